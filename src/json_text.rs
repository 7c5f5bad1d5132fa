//! One JSON reader for the whole library.
//!
//! serde's derived `Deserialize` code is compiled once for every reader it is used with:
//! `serde_json::from_str` (a `StrRead`) and `serde_json::from_slice` (a `SliceRead`) each get
//! their own copy of every type they read. The page's wasm read configs and actions through
//! both (a config from the page, the same config inside a share link's scenario), so it carried
//! two copies (issue 13). Every reader in the library goes through [`from_text`], which reads
//! the text's bytes with `from_slice`: the same values, the same errors (a `&str` is already
//! valid UTF-8, so `from_slice` meets none of the byte errors `from_str` rules out up front).

use serde::de::DeserializeOwned;

/// Reads `text` as JSON into a `T`, through the library's one JSON reader (`from_slice`).
pub fn from_text<T: DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    serde_json::from_slice(text.as_bytes())
}
