//! Where code is: the source site (file, line, column, function, package) of
//! a function or of an object's constructor, and, for a group of leaked
//! objects, the code that made them (`created_by`). V8 records a location
//! for every closure (its own SharedFunctionInfo) and for objects whose
//! constructor it knows; the script id of a location is resolved to the
//! script's path through a closure of that script (closure → `shared` →
//! SharedFunctionInfo → `script_or_debug_info` → Script, named by its path;
//! code from `eval`/`new Function` takes the path of the code that ran it).
//!
//! Evidence, strongest first: the objects' own site when it is not Node's
//! own code (a closure's definition, an app class's constructor); for
//! objects of Node-internal classes (`Timeout`, `Socket`, emitters, promise
//! reactions), the callbacks that other code attached to them (`_onTimeout`,
//! listeners in `_events`, a reaction's handler). `(app)` — the user's own
//! code — is a real answer; only Node internals and unknown scripts are
//! passed over.

use crate::scripts::package_of_path;
use crate::Analysis;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// A place in the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeSite {
    /// The script's path or URL as V8 names it.
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
    /// The function, or the constructor for an instance.
    pub function: String,
    /// npm package of the file, `(app)` for the user's own code, `(node)`.
    pub package: String,
    /// Where this came from before compiling or bundling, when the script
    /// has a source map on disk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<OriginalPosition>,
}

/// A position in a source file a script was compiled from (its source map).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OriginalPosition {
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based.
    pub column: u32,
    /// The original name at that position, when the map records one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl CodeSite {
    /// Whether this is code of the app or of an npm package (not Node's own).
    pub fn is_user_code(&self) -> bool {
        self.package != "(node)"
    }

    /// `server.js:45` style, with the path as recorded; with the original
    /// position when a source map gives one (`dist/a.js:9 (src/a.ts:12)`).
    pub fn file_line(&self) -> String {
        let file = self.file.strip_prefix("file://").unwrap_or(&self.file);
        match &self.original {
            Some(o) => format!("{file}:{} ({}:{})", self.line, o.file, o.line),
            None => format!("{file}:{}", self.line),
        }
    }
}

/// Objects looked at per group, and the reach of the callback search.
const SAMPLED_MEMBERS: usize = 24;
const CALLBACK_MEMBERS: usize = 8;
const CALLBACK_DEPTH: usize = 3;
const CALLBACK_VISITS: usize = 400;

impl Analysis {
    /// The path of script `script_id`, found through a closure of that script.
    pub fn script_path(&self, script_id: u32) -> Option<String> {
        let closure = self.snap.node_types.closure;
        self.snap
            .locations
            .iter()
            .filter(|l| l.script_id == script_id && self.snap.nodes.ty[l.node as usize] == closure)
            .take(8)
            .find_map(|l| {
                let (_, script) = self.code_script(l.node)?;
                let name = self.script_name(script);
                (!name.is_empty()).then(|| name.to_string())
            })
    }

    /// The source text of a Script node, as the snapshot keeps it (V8
    /// shortens long strings: read the file itself when it is there).
    pub fn script_source(&self, script: u32) -> Option<String> {
        let snap = &self.snap;
        snap.edge_range(script).find_map(|e| {
            let t = snap.edges.to[e];
            let named = snap.strings.get(snap.edges.name_or_index[e]) == "source";
            (named && snap.nodes.ty[t as usize] == snap.node_types.string)
                .then(|| snap.node_name(t).to_string())
        })
    }

    /// The source site of node `v`: a closure's definition, an object's
    /// constructor. `None` without a recorded location or a known script.
    pub fn code_site(&self, v: u32) -> Option<CodeSite> {
        let loc = self.snap.location(v)?;
        let own_script = self
            .code_script(v)
            .map(|(_, s)| self.script_name(s).to_string())
            .filter(|n| !n.is_empty());
        let file = own_script.or_else(|| self.script_path(loc.script_id))?;
        let package = package_of_path(&file)?;
        let function = if self.snap.nodes.ty[v as usize] == self.snap.node_types.closure {
            let name = self.snap.node_name(v);
            if name.is_empty() { "(anonymous)" } else { name }.to_string()
        } else {
            self.snap
                .strings
                .get(self.class_name[v as usize])
                .to_string()
        };
        Some(CodeSite {
            file,
            line: loc.line + 1,
            column: loc.column + 1,
            function,
            package,
            original: None,
        })
    }

    /// The code that made a group of objects (`members`, `sample` first):
    /// their own site when it is user code, the most common one among a
    /// sample of them; else the user callbacks attached to them.
    pub fn created_by(&self, members: &[u32], sample: u32) -> Option<CodeSite> {
        let looked_at: Vec<u32> = std::iter::once(sample)
            .chain(members.iter().copied().filter(|&m| m != sample))
            .take(SAMPLED_MEMBERS)
            .collect();
        let mut sites = Vec::new();
        for &m in &looked_at {
            if let Some(site) = self.code_site(m).filter(CodeSite::is_user_code) {
                sites.push(site);
            }
        }
        if let Some(site) = most_common(sites) {
            return Some(site);
        }
        let mut callbacks = Vec::new();
        for &m in looked_at.iter().take(CALLBACK_MEMBERS) {
            callbacks.extend(self.attached_callback(m));
        }
        // A package that attached callbacks to Node's objects is the one that
        // made them for the app (the app reaches sockets and timers through
        // it); the app's own callbacks count when no package's are there.
        let (from_packages, from_app): (Vec<CodeSite>, Vec<CodeSite>) =
            callbacks.into_iter().partition(|c| c.package != "(app)");
        most_common(from_packages).or_else(|| most_common(from_app))
    }

    /// The nearest closure of user code reachable from `v` over strong
    /// references, breadth first (a timer's `_onTimeout`, a listener in an
    /// emitter's `_events`, a promise reaction's handler).
    fn attached_callback(&self, v: u32) -> Option<CodeSite> {
        let snap = &self.snap;
        let (weak, closure) = (snap.edge_types.weak, snap.node_types.closure);
        let mut seen: FxHashMap<u32, ()> = FxHashMap::default();
        let mut frontier = vec![v];
        for _ in 0..CALLBACK_DEPTH {
            let mut next = Vec::new();
            for &x in &frontier {
                for e in snap.edge_range(x) {
                    let t = snap.edges.to[e];
                    if snap.edges.ty[e] == weak || seen.insert(t, ()).is_some() {
                        continue;
                    }
                    if seen.len() > CALLBACK_VISITS {
                        return None;
                    }
                    if snap.nodes.ty[t as usize] == closure {
                        match self.code_site(t) {
                            Some(site) if site.is_user_code() => return Some(site),
                            // A bound function has no site: its target has.
                            None => next.push(t),
                            Some(_) => {}
                        }
                    } else if !self.is_code_or_system(t) {
                        next.push(t);
                    }
                }
            }
            frontier = next;
        }
        None
    }

    /// Nodes a callback search does not walk through: code, contexts and
    /// V8's own system objects (they lead everywhere).
    fn is_code_or_system(&self, v: u32) -> bool {
        let nt = self.snap.node_types;
        let ty = self.snap.nodes.ty[v as usize];
        ty == nt.code || ty == nt.hidden || self.snap.node_name(v).starts_with("system /")
    }
}

/// The site named most often (by file and line), first seen on ties.
fn most_common(sites: Vec<CodeSite>) -> Option<CodeSite> {
    let mut counts: Vec<(CodeSite, usize)> = Vec::new();
    for site in sites {
        match counts
            .iter_mut()
            .find(|(s, _)| s.file == site.file && s.line == site.line)
        {
            Some((_, n)) => *n += 1,
            None => counts.push((site, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(s, _)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(file: &str, line: u32) -> CodeSite {
        CodeSite {
            file: file.into(),
            line,
            column: 1,
            function: "f".into(),
            package: "(app)".into(),
            original: None,
        }
    }

    #[test]
    fn the_most_common_site_wins_and_ties_go_to_the_first() {
        let sites = vec![site("/a.js", 1), site("/b.js", 2), site("/b.js", 2)];
        assert_eq!(most_common(sites).unwrap().file, "/b.js");
        let tie = vec![site("/a.js", 1), site("/b.js", 2)];
        assert_eq!(most_common(tie).unwrap().file, "/a.js");
        assert_eq!(most_common(Vec::new()), None);
        assert_eq!(site("file:///srv/x.js", 9).file_line(), "/srv/x.js:9");
    }
}
