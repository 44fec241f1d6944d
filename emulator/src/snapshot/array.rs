//! serde for arrays longer than serde's built-in 32 elements: written as a
//! sequence, read back into an array of the same length (an error
//! otherwise). Use with `#[serde(with = "crate::snapshot::array")]`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Serialize `a` as a sequence of its elements.
pub fn serialize<S: Serializer, T: Serialize, const N: usize>(a: &[T; N], s: S) -> Result<S::Ok, S::Error> {
    a.as_slice().serialize(s)
}

/// Deserialize a sequence of exactly `N` elements.
pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>, const N: usize>(d: D) -> Result<[T; N], D::Error> {
    let v = Vec::<T>::deserialize(d)?;
    let len = v.len();
    v.try_into().map_err(|_| D::Error::custom(format!("expected {N} elements, found {len}")))
}
