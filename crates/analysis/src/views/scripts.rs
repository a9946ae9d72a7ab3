//! Which script a piece of code comes from. V8 links a closure to its
//! SharedFunctionInfo (`shared`), and that to its Script
//! (`script_or_debug_info`, or `script` in other versions), a code node named by
//! the script's URL or path. A function context takes the script of a closure
//! that uses it (`context` edge).

use crate::Analysis;

/// What kind of code node a node is, for attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Closure,
    Context,
    SharedFunctionInfo,
    Script,
}

impl Analysis {
    fn internal_target(&self, node: u32, name: &str) -> Option<u32> {
        let internal = self.snap.edge_types.internal;
        self.snap
            .edge_range(node)
            .find(|&e| {
                self.snap.edges.ty[e] == internal
                    && self.snap.strings.get(self.snap.edges.name_or_index[e]) == name
            })
            .map(|e| self.snap.edges.to[e])
    }

    /// The script node of a SharedFunctionInfo-like code node, if it has one.
    fn script_of_code(&self, node: u32) -> Option<u32> {
        let code = self.snap.node_types.code;
        if self.snap.nodes.ty[node as usize] != code {
            return None;
        }
        self.internal_target(node, "script_or_debug_info")
            .or_else(|| self.internal_target(node, "script"))
            .filter(|&s| self.snap.nodes.ty[s as usize] == code)
    }

    /// Classifies `node` as code and finds its script node.
    pub fn code_script(&self, node: u32) -> Option<(CodeKind, u32)> {
        let snap = &self.snap;
        let nt = snap.node_types;
        let ty = snap.nodes.ty[node as usize];
        if ty == nt.closure {
            let sfi = self.internal_target(node, "shared")?;
            return self.script_of_code(sfi).map(|s| (CodeKind::Closure, s));
        }
        if ty == nt.object && snap.node_name(node).starts_with("system / Context") {
            let context = snap.edge_types.internal;
            for r in self.incoming_edges(node) {
                if snap.edges.ty[r.edge] == context
                    && snap.nodes.ty[r.source as usize] == nt.closure
                    && snap.strings.get(snap.edges.name_or_index[r.edge]) == "context"
                {
                    if let Some((_, s)) = self.code_script(r.source) {
                        return Some((CodeKind::Context, s));
                    }
                }
            }
            return None;
        }
        if ty == nt.code {
            if let Some(s) = self.script_of_code(node) {
                return Some((CodeKind::SharedFunctionInfo, s));
            }
            if self.is_script_node(node) {
                return Some((CodeKind::Script, node));
            }
        }
        None
    }

    /// A Script node: a code node some SharedFunctionInfo names as its script.
    pub fn is_script_node(&self, node: u32) -> bool {
        let internal = self.snap.edge_types.internal;
        self.incoming_edges(node).iter().any(|r| {
            self.snap.edges.ty[r.edge] == internal
                && matches!(
                    self.snap.strings.get(self.snap.edges.name_or_index[r.edge]),
                    "script_or_debug_info" | "script"
                )
        })
    }

    /// The script path or URL of a script node (its name). Code made by
    /// `eval` or `new Function` has a nameless script; V8 links it to the
    /// SharedFunctionInfo that called eval, so it takes that function's script.
    pub fn script_name(&self, script: u32) -> &str {
        let mut s = script;
        for _ in 0..4 {
            let name = self.snap.node_name(s);
            if !name.is_empty() {
                return name;
            }
            match self.eval_origin(s) {
                Some(next) if next != s => s = next,
                _ => return name,
            }
        }
        self.snap.node_name(s)
    }

    /// The script of the function that evaluated a nameless script, if known.
    fn eval_origin(&self, script: u32) -> Option<u32> {
        let code = self.snap.node_types.code;
        let et = self.snap.edge_types;
        self.snap.edge_range(script).find_map(|e| {
            let ty = self.snap.edges.ty[e];
            let to = self.snap.edges.to[e];
            if (ty == et.hidden || ty == et.internal)
                && self.snap.nodes.ty[to as usize] == code
                && to != script
            {
                self.script_of_code(to)
            } else {
                None
            }
        })
    }
}

/// The npm package a script path belongs to: the innermost `node_modules/<pkg>`
/// (`@scope/name` for scoped packages), `(node)` for Node's own scripts,
/// `(app)` for other paths and for code the user typed (`node -e`/`--eval`
/// as `[eval]`, `node -` as `[stdin]`, the REPL), and `None` when the name is
/// not a path at all.
pub fn package_of_path(path: &str) -> Option<String> {
    let path = path.strip_prefix("file://").unwrap_or(path);
    if matches!(path, "[eval]" | "[eval]-wrapper" | "[stdin]") || path.starts_with("REPL") {
        return Some("(app)".to_string());
    }
    if path.starts_with("node:") || path.starts_with("internal/") {
        return Some("(node)".to_string());
    }
    let normalized = path.replace('\\', "/");
    if let Some(pos) = normalized.rfind("/node_modules/") {
        let rest = &normalized[pos + "/node_modules/".len()..];
        let mut parts = rest.split('/');
        let first = parts.next().unwrap_or("");
        let name = if first.starts_with('@') {
            match parts.next() {
                Some(second) if !second.is_empty() => format!("{first}/{second}"),
                _ => first.to_string(),
            }
        } else {
            first.to_string()
        };
        if !name.is_empty() {
            return Some(name);
        }
    }
    let looks_like_path = normalized.starts_with('/')
        || normalized.as_bytes().get(1) == Some(&b':')
        || normalized.starts_with("./")
        || normalized.ends_with(".js")
        || normalized.ends_with(".mjs")
        || normalized.ends_with(".cjs");
    looks_like_path.then(|| "(app)".to_string())
}

#[cfg(test)]
mod tests {
    use super::package_of_path;

    #[test]
    fn packages_from_paths() {
        let p = |s: &str| package_of_path(s);
        assert_eq!(p("[eval]").as_deref(), Some("(app)"));
        assert_eq!(p("[stdin]").as_deref(), Some("(app)"));
        assert_eq!(
            p("/srv/app/node_modules/express/lib/router.js").as_deref(),
            Some("express")
        );
        assert_eq!(
            p("/srv/node_modules/@babel/core/lib/index.js").as_deref(),
            Some("@babel/core")
        );
        assert_eq!(
            p("/a/node_modules/shiki/node_modules/vscode-oniguruma/release/main.js").as_deref(),
            Some("vscode-oniguruma")
        );
        assert_eq!(
            p("file:///srv/app/node_modules/x/index.mjs").as_deref(),
            Some("x")
        );
        assert_eq!(p("C:\\app\\node_modules\\y\\i.js").as_deref(), Some("y"));
        assert_eq!(p("node:internal/http").as_deref(), Some("(node)"));
        assert_eq!(p("/srv/app/server.js").as_deref(), Some("(app)"));
        assert_eq!(p("").as_deref(), None);
        assert_eq!(p("evalmachine.<anonymous>").as_deref(), None);
    }
}
