//! Original positions through source maps: for a script on disk that names
//! a source map (`//# sourceMappingURL=`, a file beside it or an inline
//! `data:` URL) or has a `.map` file beside it, the `src/…ts` (or
//! pre-bundle) file, line and column a compiled position came from. Read
//! with the `sourcemap` crate; each map is loaded once.

use crate::attribution::{CodeSite, OriginalPosition};
use rustc_hash::FxHashMap;
use sourcemap::{DecodedMap, SourceMap};
use std::path::{Component, Path, PathBuf};

/// Scripts or maps larger than this are not read.
const MAX_BYTES: u64 = 64 << 20;

/// Source maps by script path, loaded on first use.
#[derive(Default)]
pub struct SourceMaps {
    maps: FxHashMap<String, Option<(SourceMap, PathBuf)>>,
}

impl SourceMaps {
    /// Sets `site.original` when its script has a source map that maps it.
    pub fn resolve(&mut self, site: &mut CodeSite) {
        if site.original.is_none() {
            site.original = self.original(&site.file, site.line, site.column);
        }
    }

    /// The original position of a 1-based line and column of `file`.
    pub fn original(&mut self, file: &str, line: u32, column: u32) -> Option<OriginalPosition> {
        let (map, dir) = self
            .maps
            .entry(file.to_string())
            .or_insert_with(|| load(file))
            .as_ref()?;
        let token = map.lookup_token(line.checked_sub(1)?, column.saturating_sub(1))?;
        // A token on another line is the previous line's: no mapping here.
        if token.get_dst_line() != line - 1 {
            return None;
        }
        let source = token.get_source()?;
        Some(OriginalPosition {
            file: resolve_source(dir, source),
            line: token.get_src_line() + 1,
            column: token.get_src_col() + 1,
            name: token.get_name().map(str::to_string),
        })
    }
}

fn read_small(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    (meta.is_file() && meta.len() <= MAX_BYTES)
        .then(|| std::fs::read(path).ok())
        .flatten()
}

/// The source map of `file` and the folder its sources are relative to.
fn load(file: &str) -> Option<(SourceMap, PathBuf)> {
    let path = Path::new(file.strip_prefix("file://").unwrap_or(file));
    if !path.is_absolute() {
        return None;
    }
    let script = read_small(path)?;
    let dir = path.parent()?.to_path_buf();
    let reference = sourcemap::locate_sourcemap_reference_slice(&script).ok()?;
    let map_bytes = match &reference {
        Some(r) if r.get_url().starts_with("data:") => {
            let decoded = r.get_embedded_sourcemap().ok().flatten()?;
            return regular(decoded).map(|m| (m, dir));
        }
        Some(r) => read_small(&dir.join(r.get_url()))?,
        None => read_small(&PathBuf::from(format!("{}.map", path.display())))?,
    };
    let map = regular(sourcemap::decode_slice(&map_bytes).ok()?)?;
    let map_dir = match &reference {
        Some(r) => dir.join(r.get_url()).parent()?.to_path_buf(),
        None => dir,
    };
    Some((map, map_dir))
}

/// A plain map (an index map flattened; other kinds are not read).
fn regular(map: DecodedMap) -> Option<SourceMap> {
    match map {
        DecodedMap::Regular(m) => Some(m),
        DecodedMap::Index(index) => index.flatten().ok(),
        _ => None,
    }
}

/// A map's source path made absolute against the map's folder (URLs and
/// `webpack://` style names are kept as they are).
fn resolve_source(dir: &Path, source: &str) -> String {
    if source.contains("://") && !source.starts_with("file://") {
        return source.to_string();
    }
    let source = source.strip_prefix("file://").unwrap_or(source);
    let mut out = PathBuf::new();
    for part in dir.join(source).components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_map_beside_the_script_gives_the_original_position() {
        let dir = std::env::temp_dir().join(format!("heapscope-srcmap-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("dist")).unwrap();
        let script = dir.join("dist/app.js");
        // Line 1 of app.js, column 1 → src/app.ts line 3, column 5.
        std::fs::write(&script, "var x = 1;\n//# sourceMappingURL=app.js.map\n").unwrap();
        std::fs::write(
            dir.join("dist/app.js.map"),
            r#"{"version":3,"file":"app.js","sources":["../src/app.ts"],"names":["x"],"mappings":"AAEIA"}"#,
        )
        .unwrap();
        let mut maps = SourceMaps::default();
        let at = maps.original(script.to_str().unwrap(), 1, 1).unwrap();
        assert_eq!(at.file, dir.join("src/app.ts").display().to_string());
        assert_eq!((at.line, at.column), (3, 5));
        assert_eq!(at.name.as_deref(), Some("x"));
        assert_eq!(
            maps.original(script.to_str().unwrap(), 2, 1),
            None,
            "line 2 is not mapped"
        );
        assert_eq!(maps.original("/no/such/file.js", 1, 1), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn source_paths_resolve_against_the_map_folder() {
        let dir = Path::new("/srv/app/node_modules/axios/dist/node");
        assert_eq!(
            resolve_source(dir, "../../lib/core/InterceptorManager.js"),
            "/srv/app/node_modules/axios/lib/core/InterceptorManager.js"
        );
        assert_eq!(
            resolve_source(dir, "webpack://x/src/a.ts"),
            "webpack://x/src/a.ts"
        );
    }
}
