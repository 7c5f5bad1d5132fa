//! The wasm build's allocator: small blocks come from free lists, one per size class, in front
//! of the standard wasm allocator (dlmalloc), which keeps every larger block.
//!
//! Why: a simulator step allocates and frees a dozen small blocks (a message and its copy in
//! the trace, a Ready's vectors, a key's history chunk), and in wasm dlmalloc's `malloc` and
//! `free`, which look for a fitting bin and merge free neighbours, were about a sixth of a
//! timeline seek (Node's profiler on the one-hour run of `raftlab bench`). Here taking a small
//! block is popping a list and giving it back is pushing one; a block keeps its size class
//! for good (it is never merged or returned), so a program that frees many blocks of one size
//! and then wants another size holds both. The engine's mix of sizes is steady, and a block
//! has no header, where dlmalloc adds 4 bytes to each.
//!
//! The page's wasm has no threads (no `atomics` target feature: this module is only compiled
//! without it), so the lists need no lock.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// Size classes are multiples of this many bytes, and small blocks are aligned to it.
const GRAIN: usize = 8;
/// Blocks of at most this many bytes (and alignment at most [`GRAIN`]) are small.
const SMALL_MAX: usize = 256;
/// Number of size classes: `GRAIN`, `2 * GRAIN`, ... `SMALL_MAX` bytes.
const CLASSES: usize = SMALL_MAX / GRAIN;
/// New small blocks are cut from slabs of this size, taken from dlmalloc.
const SLAB_BYTES: usize = 64 * 1024;

/// The free lists and the slab being cut.
struct Lists {
    /// Per size class, the first free block; each free block holds the next one's address.
    free: [*mut u8; CLASSES],
    /// The uncut part of the current slab: `next..end`.
    next: *mut u8,
    end: *mut u8,
}

/// The global allocator of the wasm builds (see the module's doc).
pub struct SmallBlocks {
    lists: UnsafeCell<Lists>,
}

// SAFETY: compiled only for wasm32 without the `atomics` feature, where there is one thread, so
// the lists are never reached from two threads.
unsafe impl Sync for SmallBlocks {}

#[global_allocator]
static ALLOCATOR: SmallBlocks = SmallBlocks {
    lists: UnsafeCell::new(Lists {
        free: [ptr::null_mut(); CLASSES],
        next: ptr::null_mut(),
        end: ptr::null_mut(),
    }),
};

/// The size class of `layout`, or `None` when dlmalloc keeps it.
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size();
    (size <= SMALL_MAX && layout.align() <= GRAIN).then(|| size.max(1).div_ceil(GRAIN) - 1)
}

impl SmallBlocks {
    /// A block of class `class`: the first free one, or one cut from the slab (a new slab when
    /// the current one has too little left; its rest, less than a block, is not used).
    ///
    /// Not inlined (nor is [`SmallBlocks::give`]): the allocator's entry points are inlined
    /// into every allocating call site of the wasm, and this body in each of them added 4 KB
    /// gzipped to the page's module.
    ///
    /// SAFETY: single-threaded use only (see the `Sync` impl), `class < CLASSES`.
    #[inline(never)]
    unsafe fn take(&self, class: usize) -> *mut u8 {
        // SAFETY: one thread, and no reference to the lists outlives this call.
        let lists = unsafe { &mut *self.lists.get() };
        let first = lists.free[class];
        if !first.is_null() {
            // SAFETY: a free block of this class, which holds the next free block's address.
            lists.free[class] = unsafe { first.cast::<*mut u8>().read() };
            return first;
        }
        let bytes = (class + 1) * GRAIN;
        if (lists.end as usize) - (lists.next as usize) < bytes {
            // SAFETY: a non-zero size and a power-of-two alignment.
            let slab =
                unsafe { System.alloc(Layout::from_size_align_unchecked(SLAB_BYTES, GRAIN)) };
            if slab.is_null() {
                return slab;
            }
            lists.next = slab;
            // SAFETY: one past the slab's end.
            lists.end = unsafe { slab.add(SLAB_BYTES) };
        }
        let block = lists.next;
        // SAFETY: at most the slab's end (checked above).
        lists.next = unsafe { block.add(bytes) };
        block
    }

    /// Gives back a block of class `class`.
    ///
    /// SAFETY: single-threaded use only; `block` came from [`SmallBlocks::take`] with `class`
    /// and is not used any more.
    #[inline(never)]
    unsafe fn give(&self, block: *mut u8, class: usize) {
        // SAFETY: one thread, and no reference to the lists outlives this call.
        let lists = unsafe { &mut *self.lists.get() };
        // SAFETY: the block has at least `GRAIN` bytes, aligned to `GRAIN`: room for an address.
        unsafe { block.cast::<*mut u8>().write(lists.free[class]) };
        lists.free[class] = block;
    }
}

// SAFETY: a small block is `(class + 1) * GRAIN >= size` bytes aligned to `GRAIN >= align`, in a
// slab no other block overlaps, and is only handed out again after it is given back; every
// other layout is dlmalloc's, unchanged.
unsafe impl GlobalAlloc for SmallBlocks {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match class_of(layout) {
            // SAFETY: one thread; a class below `CLASSES`.
            Some(class) => unsafe { self.take(class) },
            // SAFETY: forwarded as is.
            None => unsafe { System.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match class_of(layout) {
            Some(class) => {
                // SAFETY: one thread; a class below `CLASSES`.
                let block = unsafe { self.take(class) };
                if !block.is_null() {
                    // SAFETY: the block has at least `layout.size()` bytes.
                    unsafe { block.write_bytes(0, layout.size()) };
                }
                block
            }
            // SAFETY: forwarded as is.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match class_of(layout) {
            // SAFETY: the caller's block, allocated with this layout, so of this class.
            Some(class) => unsafe { self.give(ptr, class) },
            // SAFETY: forwarded as is.
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller promises `new_size`, rounded up to the alignment, fits an isize.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(layout), class_of(new_layout)) {
            // dlmalloc may grow or shrink its block in place.
            // SAFETY: forwarded as is.
            (None, None) => unsafe { System.realloc(ptr, layout, new_size) },
            (Some(old), Some(new)) if old == new => ptr,
            _ => {
                // SAFETY: a valid layout (above).
                let moved = unsafe { self.alloc(new_layout) };
                if !moved.is_null() {
                    // SAFETY: both blocks hold at least the smaller size and do not overlap;
                    // the old one is the caller's, allocated with `layout`.
                    unsafe {
                        ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                moved
            }
        }
    }
}
