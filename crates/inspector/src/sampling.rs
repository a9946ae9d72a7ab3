//! The sampling heap profiler (`HeapProfiler.startSampling`/`stopSampling`):
//! V8 samples about one allocation per `interval` bytes and, at the end, reports
//! the samples whose objects are still alive as a call tree. This module runs it
//! and aggregates the tree by function and by package, and prunes it top-down.

use crate::cdp::Session;
use crate::error::{InspectorError, Result};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::HashMap;

/// V8's default: one sample per 32 KiB allocated on average.
pub const DEFAULT_INTERVAL_BYTES: u64 = 32_768;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallFrame {
    pub function_name: String,
    pub url: String,
    /// 0-based.
    pub line_number: i64,
    pub column_number: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileNode {
    pub call_frame: CallFrame,
    /// Estimated live bytes allocated here (not in callees).
    pub self_size: u64,
    pub id: u64,
    #[serde(default)]
    pub children: Vec<ProfileNode>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSample {
    pub node_id: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    pub head: ProfileNode,
    #[serde(default)]
    pub samples: Vec<ProfileSample>,
}

/// Starts sampling (allocations later collected by GC are dropped from the result).
pub fn start(session: &mut Session, interval_bytes: u64) -> Result<()> {
    session.call("HeapProfiler.enable", serde_json::json!({}))?;
    session.call(
        "HeapProfiler.startSampling",
        serde_json::json!({ "samplingInterval": interval_bytes as f64 }),
    )?;
    Ok(())
}

/// Stops sampling and returns the profile of what is still alive.
pub fn stop(session: &mut Session) -> Result<Profile> {
    parse(stop_raw(session)?.get())
}

/// Stops sampling and returns the `profile` object exactly as the target wrote
/// it (what DevTools saves as a `.heapprofile`); [`parse`] reads it.
pub fn stop_raw(session: &mut Session) -> Result<Box<RawValue>> {
    #[derive(Deserialize)]
    struct Reply<'a> {
        #[serde(borrow)]
        profile: &'a RawValue,
    }
    let result = session.call_raw("HeapProfiler.stopSampling", serde_json::json!({}))?;
    let reply: Reply = serde_json::from_str(result.get())
        .map_err(|e| InspectorError::BadInput(format!("unreadable sampling profile: {e}")))?;
    Ok(reply.profile.to_owned())
}

/// Reads a sampling profile (`stopSampling`'s `profile`, or a `.heapprofile`).
pub fn parse(json: &str) -> Result<Profile> {
    serde_json::from_str(json)
        .map_err(|e| InspectorError::BadInput(format!("unreadable sampling profile: {e}")))
}

/// A function as a row: where it is and what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionRow {
    pub function: String,
    pub url: String,
    /// 1-based; 0 when unknown.
    pub line: i64,
    pub column: i64,
    pub package: String,
    /// Live bytes allocated by the function itself.
    pub self_bytes: u64,
    /// Live bytes allocated by it and its callees (each allocation once).
    pub total_bytes: u64,
    pub samples: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PackageRow {
    pub package: String,
    pub self_bytes: u64,
    pub samples: u64,
}

/// A pruned top-down tree node.
#[derive(Debug, Clone, Serialize)]
pub struct TreeNode {
    pub function: String,
    pub url: String,
    pub line: i64,
    pub self_bytes: u64,
    pub total_bytes: u64,
    pub children: Vec<TreeNode>,
}

/// The profile by function, by package, and as a tree.
#[derive(Debug, Clone, Serialize)]
pub struct Aggregated {
    pub total_bytes: u64,
    pub sample_count: u64,
    pub functions: Vec<FunctionRow>,
    pub packages: Vec<PackageRow>,
    pub tree: TreeNode,
}

/// Package of an allocation with no script of its own (builtins, V8 internals).
pub const UNATTRIBUTED: &str = "(unattributed)";

/// Aggregates a profile. `package_of` names the package of a script URL; an
/// allocation in a frame without a script belongs to its nearest caller's.
/// The tree keeps nodes holding at least `min_tree_share` of the total.
pub fn aggregate(
    profile: &Profile,
    package_of: &dyn Fn(&str) -> Option<String>,
    min_tree_share: f64,
) -> Aggregated {
    let mut samples_by_node: HashMap<u64, u64> = HashMap::new();
    for s in &profile.samples {
        *samples_by_node.entry(s.node_id).or_default() += 1;
    }
    let mut walk = Walk {
        samples_by_node: &samples_by_node,
        package_of,
        functions: HashMap::new(),
        packages: HashMap::new(),
        path: Vec::new(),
    };
    let total_bytes = walk.visit(&profile.head, None);
    let mut functions: Vec<FunctionRow> = walk.functions.into_values().collect();
    functions.retain(|f| f.total_bytes > 0);
    functions.sort_by(|a, b| {
        (b.self_bytes, b.total_bytes)
            .cmp(&(a.self_bytes, a.total_bytes))
            .then_with(|| (&a.function, &a.url, a.line).cmp(&(&b.function, &b.url, b.line)))
    });
    let mut packages: Vec<PackageRow> = walk.packages.into_values().collect();
    packages.retain(|p| p.self_bytes > 0);
    packages.sort_by(|a, b| {
        b.self_bytes
            .cmp(&a.self_bytes)
            .then_with(|| a.package.cmp(&b.package))
    });
    let min_bytes = (total_bytes as f64 * min_tree_share) as u64;
    let tree = prune(&profile.head, min_bytes.max(1));
    Aggregated {
        total_bytes,
        sample_count: profile.samples.len() as u64,
        functions,
        packages,
        tree,
    }
}

type FunctionKey = (String, String, i64, i64);

struct Walk<'a> {
    samples_by_node: &'a HashMap<u64, u64>,
    package_of: &'a dyn Fn(&str) -> Option<String>,
    functions: HashMap<FunctionKey, FunctionRow>,
    packages: HashMap<String, PackageRow>,
    /// Functions on the current path, to count recursion's bytes once.
    path: Vec<FunctionKey>,
}

impl Walk<'_> {
    /// Returns the subtree's bytes. `inherited` is the nearest caller's package.
    fn visit(&mut self, node: &ProfileNode, inherited: Option<&str>) -> u64 {
        let frame = &node.call_frame;
        let own_package = if frame.url.is_empty() {
            None
        } else {
            (self.package_of)(&frame.url)
        };
        let package = own_package.as_deref().or(inherited).map(str::to_string);
        let key: FunctionKey = (
            frame.function_name.clone(),
            frame.url.clone(),
            frame.line_number,
            frame.column_number,
        );
        let recursive = self.path.contains(&key);
        self.path.push(key.clone());
        let mut total = node.self_size;
        for child in &node.children {
            total += self.visit(child, package.as_deref());
        }
        self.path.pop();
        let samples = self.samples_by_node.get(&node.id).copied().unwrap_or(0);
        let package = package.unwrap_or_else(|| UNATTRIBUTED.to_string());
        let row = self.functions.entry(key).or_insert_with(|| FunctionRow {
            function: display_name(&frame.function_name),
            url: frame.url.clone(),
            line: frame.line_number + 1,
            column: frame.column_number + 1,
            package: package.clone(),
            self_bytes: 0,
            total_bytes: 0,
            samples: 0,
        });
        row.self_bytes += node.self_size;
        row.samples += samples;
        if !recursive {
            row.total_bytes += total;
        }
        let package_row = self
            .packages
            .entry(package.clone())
            .or_insert_with(|| PackageRow {
                package,
                self_bytes: 0,
                samples: 0,
            });
        package_row.self_bytes += node.self_size;
        package_row.samples += samples;
        total
    }
}

/// A function's name as shown: `(anonymous)` when V8 has none.
pub(crate) fn display_name(name: &str) -> String {
    if name.is_empty() {
        "(anonymous)".to_string()
    } else {
        name.to_string()
    }
}

fn subtree_bytes(node: &ProfileNode) -> u64 {
    node.self_size + node.children.iter().map(subtree_bytes).sum::<u64>()
}

/// The tree without subtrees under `min_bytes`, children largest first.
fn prune(node: &ProfileNode, min_bytes: u64) -> TreeNode {
    let mut children: Vec<(u64, &ProfileNode)> = node
        .children
        .iter()
        .map(|c| (subtree_bytes(c), c))
        .filter(|(bytes, _)| *bytes >= min_bytes)
        .collect();
    children.sort_by_key(|c| std::cmp::Reverse(c.0));
    TreeNode {
        function: display_name(&node.call_frame.function_name),
        url: node.call_frame.url.clone(),
        line: node.call_frame.line_number + 1,
        self_bytes: node.self_size,
        total_bytes: subtree_bytes(node),
        children: children
            .into_iter()
            .map(|(_, c)| prune(c, min_bytes))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(
        id: u64,
        name: &str,
        url: &str,
        self_size: u64,
        children: Vec<ProfileNode>,
    ) -> ProfileNode {
        ProfileNode {
            call_frame: CallFrame {
                function_name: name.into(),
                url: url.into(),
                line_number: 9,
                column_number: 0,
            },
            self_size,
            id,
            children,
        }
    }

    fn package_of(url: &str) -> Option<String> {
        if url.contains("node_modules/lib/") {
            Some("lib".into())
        } else {
            Some("(app)".into())
        }
    }

    #[test]
    fn aggregates_by_function_and_package() {
        let head = node(
            1,
            "(root)",
            "",
            0,
            vec![node(
                2,
                "main",
                "/app/main.js",
                100,
                vec![
                    node(
                        3,
                        "parse",
                        "/app/node_modules/lib/index.js",
                        1000,
                        vec![node(4, "push", "", 500, vec![])],
                    ),
                    node(5, "main", "/app/main.js", 50, vec![]),
                ],
            )],
        );
        let profile = Profile {
            head,
            samples: vec![ProfileSample { node_id: 3 }, ProfileSample { node_id: 4 }],
        };
        let a = aggregate(&profile, &package_of, 0.0);
        assert_eq!(a.total_bytes, 1650);
        assert_eq!(a.functions[0].function, "parse");
        assert_eq!(a.functions[0].total_bytes, 1500);
        assert_eq!(a.functions[0].line, 10);
        let main = a.functions.iter().find(|f| f.function == "main").unwrap();
        assert_eq!((main.self_bytes, main.total_bytes), (150, 1650));
        // The builtin's 500 bytes go to its caller's package.
        assert_eq!(a.packages[0].package, "lib");
        assert_eq!(a.packages[0].self_bytes, 1500);
        assert_eq!(a.tree.children[0].children[0].function, "parse");
    }
}
