//! [`Column<T>`]: one field of every node or edge, read as a slice. A column
//! is either owned (built by the reader or the analysis) or mapped from an
//! analysis cache file (see `heapscope_analysis::cache`), so that a second
//! command on a snapshot reads its columns without copying them. Writing to a
//! mapped column first copies it into memory of its own.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::Arc;

/// Plain numbers a column can hold: any bit pattern is a valid value, with no
/// padding, so a column can be written and mapped as raw bytes.
///
/// # Safety
/// Implemented only for primitive integers.
pub unsafe trait Plain: Copy + Send + Sync + 'static {}
unsafe impl Plain for u8 {}
unsafe impl Plain for u32 {}
unsafe impl Plain for i32 {}
unsafe impl Plain for u64 {}

/// A read-only file mapping shared by the columns mapped from it.
pub type SharedMap = Arc<memmap2::Mmap>;

/// A column of `T`: a `Vec<T>` of its own, or a range of a mapped file.
/// Reading goes straight through `ptr` and `len`, with no branch on where the
/// values live: columns are read in the analysis's hottest loops.
pub struct Column<T: Plain> {
    /// The first value, inside `owner` (dangling but aligned when empty).
    ptr: NonNull<T>,
    len: usize,
    owner: Owner<T>,
}

enum Owner<T> {
    Owned(Vec<T>),
    Mapped(SharedMap),
}

// SAFETY: a column owns a `Vec<T>` or shares a read-only mapping; `T: Plain`
// is `Send + Sync`, and values are only written through `&mut self`.
unsafe impl<T: Plain> Send for Column<T> {}
unsafe impl<T: Plain> Sync for Column<T> {}

/// Why a range of a mapped file cannot be a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    OutOfBounds,
    Misaligned,
}

impl<T: Plain> Column<T> {
    pub fn new() -> Self {
        Vec::new().into()
    }

    /// `len` values of `T` at byte `offset` of `map`.
    pub fn mapped(map: &SharedMap, offset: usize, len: usize) -> Result<Self, MapError> {
        let bytes = len
            .checked_mul(std::mem::size_of::<T>())
            .ok_or(MapError::OutOfBounds)?;
        match offset.checked_add(bytes) {
            Some(end) if end <= map.len() => {}
            _ => return Err(MapError::OutOfBounds),
        }
        if len == 0 {
            return Ok(Self::new());
        }
        // SAFETY: `offset` is inside the mapping (checked above).
        let start = unsafe { map.as_ptr().add(offset) };
        if !(start as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return Err(MapError::Misaligned);
        }
        Ok(Column {
            ptr: NonNull::new(start as *mut T).ok_or(MapError::OutOfBounds)?,
            len,
            owner: Owner::Mapped(map.clone()),
        })
    }

    /// Whether the values live in a mapped file.
    pub fn is_mapped(&self) -> bool {
        matches!(self.owner, Owner::Mapped(_))
    }

    /// The values as a `Vec` to grow or shrink (a mapped column is copied
    /// first); the column reads the `Vec` again when the guard goes.
    pub fn to_mut(&mut self) -> VecMut<'_, T> {
        if self.is_mapped() {
            *self = self.to_vec().into();
        }
        VecMut { column: self }
    }

    /// The values as a `Vec` of their own.
    pub fn into_vec(self) -> Vec<T> {
        match self.owner {
            Owner::Owned(v) => v,
            Owner::Mapped(_) => self.as_slice().to_vec(),
        }
    }

    /// The values as raw bytes (to write them to a cache file).
    pub fn as_bytes(&self) -> &[u8] {
        as_bytes(self.as_slice())
    }

    #[inline]
    fn as_slice(&self) -> &[T] {
        // SAFETY: `ptr..ptr + len` are values inside `owner`, which lives as
        // long as `self` (a `Vec` is re-read after every change, see
        // `VecMut`); any bit pattern is a valid `T: Plain`.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

/// A column's values as a `Vec`, from [`Column::to_mut`].
pub struct VecMut<'a, T: Plain> {
    column: &'a mut Column<T>,
}

impl<T: Plain> Deref for VecMut<'_, T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        match &self.column.owner {
            Owner::Owned(v) => v,
            Owner::Mapped(_) => unreachable!("to_mut copies a mapped column"),
        }
    }
}

impl<T: Plain> DerefMut for VecMut<'_, T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        match &mut self.column.owner {
            Owner::Owned(v) => v,
            Owner::Mapped(_) => unreachable!("to_mut copies a mapped column"),
        }
    }
}

impl<T: Plain> Drop for VecMut<'_, T> {
    fn drop(&mut self) {
        let c = &mut *self.column;
        if let Owner::Owned(v) = &mut c.owner {
            c.ptr = NonNull::new(v.as_mut_ptr()).expect("a Vec's pointer is never null");
            c.len = v.len();
        }
    }
}

/// A slice of plain numbers as raw bytes.
pub fn as_bytes<T: Plain>(s: &[T]) -> &[u8] {
    // SAFETY: `T: Plain` has no padding; the length is the slice's size.
    unsafe { std::slice::from_raw_parts(s.as_ptr() as *const u8, std::mem::size_of_val(s)) }
}

impl<T: Plain> Deref for Column<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Plain> DerefMut for Column<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        if self.is_mapped() {
            *self = self.to_vec().into();
        }
        // SAFETY: the values are a `Vec` this column owns alone.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Plain> Default for Column<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Plain> Clone for Column<T> {
    fn clone(&self) -> Self {
        match &self.owner {
            Owner::Owned(v) => v.clone().into(),
            Owner::Mapped(map) => Column {
                ptr: self.ptr,
                len: self.len,
                owner: Owner::Mapped(map.clone()),
            },
        }
    }
}

impl<T: Plain + fmt::Debug> fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Plain + PartialEq> PartialEq for Column<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Plain + Eq> Eq for Column<T> {}

impl<T: Plain + PartialEq> PartialEq<Vec<T>> for Column<T> {
    fn eq(&self, other: &Vec<T>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Plain> From<Vec<T>> for Column<T> {
    fn from(mut v: Vec<T>) -> Self {
        Column {
            ptr: NonNull::new(v.as_mut_ptr()).expect("a Vec's pointer is never null"),
            len: v.len(),
            owner: Owner::Owned(v),
        }
    }
}

impl<T: Plain> FromIterator<T> for Column<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<T>>().into()
    }
}

impl<'a, T: Plain> IntoIterator for &'a Column<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn map_of(bytes: &[u8]) -> SharedMap {
        let mut f = tempfile();
        f.write_all(bytes).unwrap();
        // SAFETY: the file is private to this test and not changed while mapped.
        Arc::new(unsafe { memmap2::Mmap::map(&f).unwrap() })
    }

    fn tempfile() -> std::fs::File {
        let path = std::env::temp_dir().join(format!(
            "heapscope-column-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        let _ = std::fs::remove_file(&path);
        f
    }

    #[test]
    fn mapped_reads_the_bytes_and_copies_on_write() {
        let values: Vec<u32> = vec![7, 1 << 31, 42];
        let mut bytes = vec![0u8; 8];
        bytes.extend_from_slice(as_bytes(&values));
        let map = map_of(&bytes);
        let mut c = Column::<u32>::mapped(&map, 8, 3).unwrap();
        assert!(c.is_mapped());
        assert_eq!(&c[..], &values[..]);
        c[1] = 5;
        assert!(!c.is_mapped());
        assert_eq!(&c[..], &[7, 5, 42]);
        // The file is unchanged.
        assert_eq!(&map[8..12], &7u32.to_ne_bytes());
        assert_eq!(&map[12..16], &(1u32 << 31).to_ne_bytes());
    }

    #[test]
    fn ranges_outside_or_misaligned_are_refused() {
        let map = map_of(&[0u8; 16]);
        assert_eq!(
            Column::<u32>::mapped(&map, 8, 3).err(),
            Some(MapError::OutOfBounds)
        );
        assert_eq!(
            Column::<u32>::mapped(&map, 2, 1).err(),
            Some(MapError::Misaligned)
        );
        assert_eq!(
            Column::<u64>::mapped(&map, usize::MAX, 1).err(),
            Some(MapError::OutOfBounds)
        );
        assert_eq!(Column::<u8>::mapped(&map, 16, 0).map(|c| c.len()), Ok(0));
    }
}
