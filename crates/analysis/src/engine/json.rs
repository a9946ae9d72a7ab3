//! JSON helpers: numbers are written as JavaScript prints them (no `.0` on
//! integral values), so output compares equal to the DevTools oracle's.

use serde::Serializer;

pub fn js_number<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}
