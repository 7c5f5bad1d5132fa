//! The few MessagePack forms a KV snapshot uses, written and read by hand: unsigned and signed
//! integers, booleans, nil, strings, arrays and maps. Written in the smallest form, exactly as
//! `rmp_serde` 1.x writes them, so the snapshot's bytes (and their length, which `endpoint
//! status` prints as the DB size) stay what they were when `rmp_serde` wrote them. Reading
//! accepts every width of an integer that fits, like `rmp_serde` does, and refuses anything
//! else with an error: the bytes come from a message, so they are never trusted to be whole.
//!
//! Not generic on purpose: one writer and one reader over byte slices, instead of serde's
//! per-type, per-format instantiations (issue 13: rmp_serde was about 290 KB of the wasm).

/// Appends MessagePack values to a byte vector.
#[derive(Default)]
pub(super) struct Writer {
    pub(super) out: Vec<u8>,
}

impl Writer {
    /// An array header of `len` elements.
    pub(super) fn array(&mut self, len: usize) {
        self.length(len, 0x90, 0xdc);
    }

    /// A map header of `len` key-value pairs.
    pub(super) fn map(&mut self, len: usize) {
        self.length(len, 0x80, 0xde);
    }

    /// fixarray/fixmap below 16, else the 16-bit form (`wide`) or the 32-bit one after it.
    fn length(&mut self, len: usize, fix: u8, wide: u8) {
        if len < 16 {
            self.out.push(fix | len as u8);
        } else if let Ok(len) = u16::try_from(len) {
            self.out.push(wide);
            self.out.extend_from_slice(&len.to_be_bytes());
        } else {
            self.out.push(wide + 1);
            self.out.extend_from_slice(&(len as u32).to_be_bytes());
        }
    }

    /// An unsigned integer in its smallest form.
    pub(super) fn uint(&mut self, value: u64) {
        if value < 128 {
            self.out.push(value as u8);
        } else if let Ok(v) = u8::try_from(value) {
            self.out.extend_from_slice(&[0xcc, v]);
        } else if let Ok(v) = u16::try_from(value) {
            self.out.push(0xcd);
            self.out.extend_from_slice(&v.to_be_bytes());
        } else if let Ok(v) = u32::try_from(value) {
            self.out.push(0xce);
            self.out.extend_from_slice(&v.to_be_bytes());
        } else {
            self.out.push(0xcf);
            self.out.extend_from_slice(&value.to_be_bytes());
        }
    }

    /// A signed integer in its smallest form: unsigned forms when not negative.
    pub(super) fn sint(&mut self, value: i64) {
        if value >= 0 {
            self.uint(value as u64);
        } else if value >= -32 {
            self.out.push(value as u8);
        } else if let Ok(v) = i8::try_from(value) {
            self.out.extend_from_slice(&[0xd0, v as u8]);
        } else if let Ok(v) = i16::try_from(value) {
            self.out.push(0xd1);
            self.out.extend_from_slice(&v.to_be_bytes());
        } else if let Ok(v) = i32::try_from(value) {
            self.out.push(0xd2);
            self.out.extend_from_slice(&v.to_be_bytes());
        } else {
            self.out.push(0xd3);
            self.out.extend_from_slice(&value.to_be_bytes());
        }
    }

    pub(super) fn bool(&mut self, value: bool) {
        self.out.push(if value { 0xc3 } else { 0xc2 });
    }

    pub(super) fn nil(&mut self) {
        self.out.push(0xc0);
    }

    /// A UTF-8 string.
    pub(super) fn str(&mut self, text: &str) {
        self.str_bytes(text.as_bytes());
    }

    /// [`Writer::str`] of bytes the caller knows are UTF-8.
    fn str_bytes(&mut self, text: &[u8]) {
        let len = text.len();
        if len < 32 {
            self.out.push(0xa0 | len as u8);
        } else if let Ok(len) = u8::try_from(len) {
            self.out.extend_from_slice(&[0xd9, len]);
        } else if let Ok(len) = u16::try_from(len) {
            self.out.push(0xda);
            self.out.extend_from_slice(&len.to_be_bytes());
        } else {
            self.out.push(0xdb);
            self.out.extend_from_slice(&(len as u32).to_be_bytes());
        }
        self.out.extend_from_slice(text);
    }

    /// Bytes as serde writes a `Vec<u8>`: an array of small integers.
    pub(super) fn byte_array(&mut self, bytes: &[u8]) {
        self.array(bytes.len());
        for &b in bytes {
            self.uint(u64::from(b));
        }
    }

    /// Bytes as `kv::text_bytes` writes them: a string when they are UTF-8, else an array.
    /// ASCII (every key and value a console line writes) is UTF-8 and is told by a plain
    /// loop: in wasm `from_utf8` on each of a snapshot's thousands of short keys and values was
    /// a third of its encoding (Node's profiler on the one-hour timeline run's seeks).
    pub(super) fn text_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_ascii() || std::str::from_utf8(bytes).is_ok() {
            self.str_bytes(bytes);
        } else {
            self.byte_array(bytes);
        }
    }

    /// A unit enum variant: its name.
    pub(super) fn unit_variant(&mut self, name: &str) {
        self.str(name);
    }

    /// The head of an enum variant with data: a one-entry map from its name to the data, which
    /// the caller writes next.
    pub(super) fn variant(&mut self, name: &str) {
        self.map(1);
        self.str(name);
    }
}

/// Reads MessagePack values from a byte slice, front to back.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
}

/// What went wrong, for the "damaged KV snapshot" error.
pub(super) type Result<T> = std::result::Result<T, String>;

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    /// Bytes not read yet.
    pub(super) fn remaining(&self) -> usize {
        self.bytes.len()
    }

    /// The next byte, without reading it.
    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.first().copied()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.bytes.len() {
            return Err("it ends early".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn byte(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn be<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// An array header; the length is checked against what is left (every element takes at
    /// least a byte), so a damaged length cannot make the caller reserve memory it never fills.
    pub(super) fn array(&mut self) -> Result<usize> {
        let marker = self.byte()?;
        let len = match marker {
            0x90..=0x9f => usize::from(marker & 0x0f),
            0xdc => usize::from(u16::from_be_bytes(self.be()?)),
            0xdd => u32::from_be_bytes(self.be()?) as usize,
            _ => return Err(unexpected(marker, "an array")),
        };
        self.fits(len)
    }

    /// An array header that must say `len`.
    pub(super) fn array_of(&mut self, len: usize, what: &str) -> Result<()> {
        let found = self.array()?;
        if found == len {
            Ok(())
        } else {
            Err(format!("{what} has {found} fields, not {len}"))
        }
    }

    /// A map header (checked like [`Reader::array`]; a pair takes at least two bytes).
    pub(super) fn map(&mut self) -> Result<usize> {
        let marker = self.byte()?;
        let len = match marker {
            0x80..=0x8f => usize::from(marker & 0x0f),
            0xde => usize::from(u16::from_be_bytes(self.be()?)),
            0xdf => u32::from_be_bytes(self.be()?) as usize,
            _ => return Err(unexpected(marker, "a map")),
        };
        self.fits(len.saturating_mul(2)).map(|_| len)
    }

    fn fits(&self, len: usize) -> Result<usize> {
        if len <= self.bytes.len() {
            Ok(len)
        } else {
            Err(format!("a length of {len} runs past its end"))
        }
    }

    /// Any integer, widened: `Ok(value)` for the unsigned forms, `Err(value)` for the signed.
    fn int(&mut self) -> Result<std::result::Result<u64, i64>> {
        let marker = self.byte()?;
        Ok(match marker {
            0x00..=0x7f => Ok(u64::from(marker)),
            0xe0..=0xff => Err(i64::from(marker as i8)),
            0xcc => Ok(u64::from(self.byte()?)),
            0xcd => Ok(u64::from(u16::from_be_bytes(self.be()?))),
            0xce => Ok(u64::from(u32::from_be_bytes(self.be()?))),
            0xcf => Ok(u64::from_be_bytes(self.be()?)),
            0xd0 => Err(i64::from(self.byte()? as i8)),
            0xd1 => Err(i64::from(i16::from_be_bytes(self.be()?))),
            0xd2 => Err(i64::from(i32::from_be_bytes(self.be()?))),
            0xd3 => Err(i64::from_be_bytes(self.be()?)),
            _ => return Err(unexpected(marker, "an integer")),
        })
    }

    pub(super) fn uint(&mut self) -> Result<u64> {
        match self.int()? {
            Ok(value) => Ok(value),
            Err(value) => u64::try_from(value).map_err(|_| format!("{value} is negative")),
        }
    }

    pub(super) fn sint(&mut self) -> Result<i64> {
        match self.int()? {
            Ok(value) => i64::try_from(value).map_err(|_| format!("{value} is too large")),
            Err(value) => Ok(value),
        }
    }

    pub(super) fn bool(&mut self) -> Result<bool> {
        match self.byte()? {
            0xc2 => Ok(false),
            0xc3 => Ok(true),
            marker => Err(unexpected(marker, "a boolean")),
        }
    }

    /// True (and read) when the next value is nil.
    pub(super) fn nil(&mut self) -> bool {
        let nil = self.peek() == Some(0xc0);
        if nil {
            self.bytes = &self.bytes[1..];
        }
        nil
    }

    pub(super) fn str(&mut self) -> Result<&'a str> {
        let marker = self.byte()?;
        let len = self.str_len(marker)?;
        std::str::from_utf8(self.take(len)?).map_err(|_| "a string is not UTF-8".to_string())
    }

    fn str_len(&mut self, marker: u8) -> Result<usize> {
        Ok(match marker {
            0xa0..=0xbf => usize::from(marker & 0x1f),
            0xd9 => usize::from(self.byte()?),
            0xda => usize::from(u16::from_be_bytes(self.be()?)),
            0xdb => u32::from_be_bytes(self.be()?) as usize,
            _ => return Err(unexpected(marker, "a string")),
        })
    }

    /// Bytes written by [`Writer::byte_array`] or [`Writer::text_bytes`]: an array of small
    /// integers or a string (a MessagePack bin is accepted too, as serde would).
    pub(super) fn bytes(&mut self) -> Result<Vec<u8>> {
        match self.peek() {
            Some(0xa0..=0xbf | 0xd9..=0xdb) => Ok(self.str()?.as_bytes().to_vec()),
            Some(marker @ 0xc4..=0xc6) => {
                self.bytes = &self.bytes[1..];
                let len = match marker {
                    0xc4 => usize::from(self.byte()?),
                    0xc5 => usize::from(u16::from_be_bytes(self.be()?)),
                    _ => u32::from_be_bytes(self.be()?) as usize,
                };
                Ok(self.take(len)?.to_vec())
            }
            _ => {
                let len = self.array()?;
                let mut out = Vec::with_capacity(len);
                for _ in 0..len {
                    let b = self.uint()?;
                    out.push(u8::try_from(b).map_err(|_| format!("{b} is not a byte"))?);
                }
                Ok(out)
            }
        }
    }

    /// An enum variant's name, and whether data follows (written by [`Writer::variant`]) or
    /// not (a unit variant, [`Writer::unit_variant`]).
    pub(super) fn variant(&mut self) -> Result<(&'a str, bool)> {
        if matches!(self.peek(), Some(0x80..=0x8f | 0xde | 0xdf)) {
            let len = self.map()?;
            if len != 1 {
                return Err(format!("an enum variant is a map of {len} entries, not 1"));
            }
            Ok((self.str()?, true))
        } else {
            Ok((self.str()?, false))
        }
    }
}

fn unexpected(marker: u8, wanted: &str) -> String {
    format!("byte 0x{marker:02x} where {wanted} belongs")
}
