//! Attribution by evidence, for every suspect:
//! - `created_by`: the code that made the objects (see
//!   [`Analysis::created_by`]);
//! - `held_by`: the accumulation point, the reference that holds it, and
//!   its owner: the code whose variable, property or object holds it (a
//!   context variable of a closure or module, a property of a function or
//!   of an instance of a user class, a CommonJS module's `children`);
//! - `added_at`: the statement that adds to the holder, found in the
//!   owner's source (on disk, else as the snapshot keeps it): see
//!   [`super::source_text`]; for timers, the `setTimeout`/`setInterval`
//!   call that passes the callback;
//! - `package`, the first that applies: the app when `created_by` is the
//!   app's own code; the package whose code owns the holder when it is
//!   another package than `created_by`'s (the objects are made by its
//!   dependency); `created_by`'s package; the owner's (the app included);
//!   else the package the heap's dominator tree gives the objects.

use super::context::group_key;
use super::merge::Working;
use super::source_text::{code_only, find_growth, function_span, Growth};
use super::{Holder, LeakContext};
use crate::attribution::CodeSite;
use crate::bitset::BitSet;
use crate::paths::RetainerPath;
use crate::scripts::package_of_path;
use crate::source_maps::SourceMaps;
use crate::Analysis;
use rustc_hash::FxHashMap;

/// Steps walked back from a holder along its path for an owner.
const OWNER_STEPS: usize = 6;
/// Source files larger than this are not searched.
const MAX_SOURCE_BYTES: u64 = 32 << 20;

pub fn attribute(cx: &LeakContext, suspects: &mut [Working]) {
    let mut sources = Sources::default();
    let mut maps = SourceMaps::default();
    for w in suspects {
        attribute_one(cx, w, &mut sources);
        let s = &mut w.suspect;
        let owner = s.held_by.as_mut().and_then(|h| h.owner.as_mut());
        for site in [s.created_by.as_mut(), owner, s.added_at.as_mut()]
            .into_iter()
            .flatten()
        {
            maps.resolve(site);
        }
    }
}

fn attribute_one(cx: &LeakContext, w: &mut Working, sources: &mut Sources) {
    let a = cx.last;
    let created_by = a.created_by(&w.members, w.sample);
    let holder = holder_node(cx, w);
    let mut clues = holder
        .as_ref()
        .map(|(node, path, _)| a.owner_clues(*node, path.as_ref(), &w.members))
        .unwrap_or_default();
    if let Some(timer) = created_by.as_ref().and_then(|c| timer_clue(a, w.sample, c)) {
        clues.near.insert(0, timer);
    }
    let found = clues.growth_site(a, sources);
    let owner = found
        .as_ref()
        .map(|(clue, _)| clue.owner.clone())
        .or_else(|| clues.all().find(|c| !c.is_timer()).map(|c| c.owner.clone()))
        .or_else(|| {
            let path = holder.as_ref()?.1.as_ref()?;
            a.nearest_function(path)
        });
    w.suspect.added_at = found.map(|(_, site)| site);
    w.suspect.package = package_rule(cx, w, created_by.as_ref(), owner.as_ref());
    if let Some((node, path, holds)) = holder {
        w.suspect.held_by = Some(Holder {
            class: group_key(a, node),
            id: a.snap.nodes.id[node as usize],
            reference: reference_of(a, node, path.as_ref()),
            holds,
            retained_size: a.retained[node as usize],
            owner,
        });
    }
    w.suspect.created_by = created_by;
}

/// The suspect's holder (its accumulation point, or for a collection or
/// growing object the object itself), the path to it and what it holds.
fn holder_node(cx: &LeakContext, w: &Working) -> Option<(u32, Option<RetainerPath>, u64)> {
    if let Some(h) = &w.holder {
        return Some((h.node, h.path.clone(), h.held));
    }
    let v = w.object?;
    let a = cx.last;
    let avoid = a.with_transient_roots(BitSet::new(a.snap.node_count()), &a.transient_roots());
    let path = a
        .shortest_path_avoiding(v, &avoid)
        .or_else(|| a.shortest_path_avoiding(v, &BitSet::new(a.snap.node_count())));
    let holds = a.entry_count(v).unwrap_or(0);
    Some((v, path, holds))
}

fn reference_of(a: &Analysis, node: u32, path: Option<&RetainerPath>) -> String {
    path.and_then(|p| a.reached_as(p, node))
        .or_else(|| {
            a.retainers_view(node)
                .first()
                .map(|r| format!("{}{}", group_key(a, r.source), a.edge_label(r.edge)))
        })
        .unwrap_or_default()
}

fn package_rule(
    cx: &LeakContext,
    w: &Working,
    created_by: Option<&CodeSite>,
    owner: Option<&CodeSite>,
) -> String {
    let is_package = |s: &&CodeSite| !s.package.starts_with('(');
    if let Some(c) = created_by.filter(|c| c.package == "(app)") {
        return c.package.clone();
    }
    let made_by = created_by.map(|c| c.package.as_str());
    if let Some(o) = owner
        .filter(is_package)
        .filter(|o| Some(o.package.as_str()) != made_by)
    {
        return o.package.clone();
    }
    if let Some(c) = created_by {
        return c.package.clone();
    }
    if let Some(o) = owner.filter(|o| o.is_user_code()) {
        return o.package.clone();
    }
    let p = cx.package_of(w.sample);
    if !p.starts_with('(') {
        return p.to_string();
    }
    cx.last
        .referenced_package(&w.members, &cx.packages)
        .unwrap_or_else(|| p.to_string())
}

/// Where to look for the statement that grows a holder.
#[derive(Debug, Clone)]
pub struct Clue {
    /// The code that owns the holder (or made the objects, for timers).
    pub owner: CodeSite,
    pub growth: Growth,
    /// The owner's own function's start, to search its body first.
    pub function_start: Option<(u32, u32)>,
    /// The script node, for its source when the file is not on disk.
    pub script: Option<u32>,
}

impl Clue {
    fn is_timer(&self) -> bool {
        matches!(self.growth, Growth::Timer(_))
    }
}

/// The clues to a holder's owner, best first in each tier.
#[derive(Debug, Default)]
pub struct Clues {
    /// From the holder itself: what references it directly (and a timer's
    /// call).
    near: Vec<Clue>,
    /// From the objects its retainer path passes through on the way to it.
    along_path: Vec<Clue>,
}

impl Clues {
    fn all(&self) -> impl Iterator<Item = &Clue> {
        self.near.iter().chain(&self.along_path)
    }

    /// The first clue whose growth statement is found, and the statement:
    /// near clues before those along the path (a distant holder never
    /// outranks the direct one), and in each tier a statement in an owner's
    /// own function before one elsewhere in a file.
    fn growth_site(&self, a: &Analysis, sources: &mut Sources) -> Option<(Clue, CodeSite)> {
        [&self.near, &self.along_path].into_iter().find_map(|tier| {
            tier.iter()
                .find_map(|c| sources.growth_site(a, c, Within::Function))
                .or_else(|| {
                    tier.iter()
                        .find_map(|c| sources.growth_site(a, c, Within::File))
                })
        })
    }
}

/// A timer's `setTimeout`/`setInterval` call, for objects that hold their
/// callback as `_onTimeout` (Node's `Timeout`).
fn timer_clue(a: &Analysis, v: u32, callback: &CodeSite) -> Option<Clue> {
    let snap = &a.snap;
    snap.edge_range(v)
        .any(|e| snap.strings.get(snap.edges.name_or_index[e]) == "_onTimeout")
        .then_some(())?;
    let name = callback.function.trim_start_matches("bound ").to_string();
    (name != "(anonymous)").then(|| Clue {
        owner: callback.clone(),
        growth: Growth::Timer(name),
        function_start: None,
        script: None,
    })
}

impl Analysis {
    /// Clues to a holder's owner, best first: what holds it directly (a
    /// context variable, a property of a function or user-class instance),
    /// then what its path passes through on the way to it.
    fn owner_clues(&self, holder: u32, path: Option<&RetainerPath>, members: &[u32]) -> Clues {
        let snap = &self.snap;
        let mut clues = Clues::default();
        // A context holding the objects: its variable that references them.
        if snap.node_name(holder).starts_with("system / Context") {
            let member = snap
                .edge_range(holder)
                .find(|&e| members.binary_search(&snap.edges.to[e]).is_ok());
            if let Some(e) = member {
                clues.near.extend(self.clue_from(holder, e));
            }
        }
        for r in self.incoming_edges(holder) {
            if snap.edges.ty[r.edge] != snap.edge_types.weak {
                clues.near.extend(self.clue_from(r.source, r.edge));
            }
        }
        if let Some(path) = path {
            // A run of like links (a linked list's `next`, a timer list's
            // `_idleNext`) counts as one step.
            let mut steps = 0;
            let mut previous = None;
            for step in path.edges.iter().rev() {
                let like = (
                    self.class_name[step.source as usize],
                    snap.edges.name_or_index[step.edge],
                );
                if previous == Some(like) {
                    continue;
                }
                previous = Some(like);
                steps += 1;
                if steps > OWNER_STEPS {
                    break;
                }
                clues
                    .along_path
                    .extend(self.clue_from(step.source, step.edge));
            }
        }
        clues
    }

    /// The clue an edge `e` from `source` gives, if `source` is code that
    /// owns what `e` references.
    fn clue_from(&self, source: u32, e: usize) -> Option<Clue> {
        let snap = &self.snap;
        let et = snap.edge_types;
        let ty = snap.edges.ty[e];
        let name = snap.strings.get(snap.edges.name_or_index[e]).to_string();
        if ty == et.context && snap.node_name(source).starts_with("system / Context") {
            return self.context_clue(source, name);
        }
        if ty != et.property {
            return None;
        }
        let closure = snap.node_types.closure;
        if snap.nodes.ty[source as usize] != closure && name == "children" {
            if let Some(clue) = self.module_clue(source) {
                return Some(clue);
            }
        }
        let site = self.code_site(source).filter(CodeSite::is_user_code)?;
        Some(Clue {
            function_start: Some((site.line, site.column)),
            script: self.code_script(source).map(|(_, s)| s),
            owner: site,
            growth: Growth::Property(name),
        })
    }

    /// A context variable: owned by the one closure of the context, or by
    /// the module (or outer function) whose scope several closures share.
    fn context_clue(&self, context: u32, name: String) -> Option<Clue> {
        let closure = self.snap.node_types.closure;
        let owners: Vec<u32> = self
            .incoming_edges(context)
            .into_iter()
            .filter(|r| self.snap.nodes.ty[r.source as usize] == closure)
            .map(|r| r.source)
            .collect();
        let (node, site) = owners
            .iter()
            .find_map(|&c| Some((c, self.code_site(c).filter(CodeSite::is_user_code)?)))?;
        let script = self.code_script(node).map(|(_, s)| s);
        let growth = Growth::Variable(name);
        Some(match owners.len() {
            1 => Clue {
                function_start: Some((site.line, site.column)),
                owner: site,
                growth,
                script,
            },
            _ => Clue {
                owner: module_scope(site.file, site.package),
                growth,
                function_start: None,
                script,
            },
        })
    }

    /// A CommonJS module (an object with a `filename` and `children`): its
    /// `children` grow with every module it loads.
    fn module_clue(&self, module: u32) -> Option<Clue> {
        let snap = &self.snap;
        let file = snap.edge_range(module).find_map(|e| {
            let named = snap.strings.get(snap.edges.name_or_index[e]) == "filename";
            let t = snap.edges.to[e];
            (named && snap.nodes.ty[t as usize] == snap.node_types.string)
                .then(|| snap.node_name(t).to_string())
        })?;
        let package = package_of_path(&file).filter(|p| p != "(node)")?;
        Some(Clue {
            owner: module_scope(file, package),
            growth: Growth::Require,
            function_start: None,
            script: None,
        })
    }

    /// The user-code function nearest to the end of `path`: a closure on it,
    /// or the closure that owns a context on it.
    pub(crate) fn nearest_function(&self, path: &RetainerPath) -> Option<CodeSite> {
        let closure = self.snap.node_types.closure;
        path.nodes().into_iter().rev().find_map(|x| {
            if self.snap.nodes.ty[x as usize] == closure {
                return self.code_site(x).filter(CodeSite::is_user_code);
            }
            if !self.snap.node_name(x).starts_with("system / Context") {
                return None;
            }
            self.context_clue(x, String::new()).map(|c| c.owner)
        })
    }

    /// The npm package whose functions the objects reference most (listeners,
    /// callbacks a package attached), looking a few references deep from a
    /// sample of them; for objects nothing else attributes.
    fn referenced_package(
        &self,
        members: &[u32],
        packages: &crate::packages::PackageAttribution,
    ) -> Option<String> {
        let weak = self.snap.edge_types.weak;
        let closure = self.snap.node_types.closure;
        let mut votes: FxHashMap<u32, usize> = FxHashMap::default();
        for &m in members.iter().take(20) {
            let mut seen: FxHashMap<u32, ()> = FxHashMap::default();
            let mut frontier = vec![m];
            for _depth in 0..5 {
                let mut next = Vec::new();
                for &v in &frontier {
                    for e in self.snap.edge_range(v) {
                        let t = self.snap.edges.to[e];
                        if self.snap.edges.ty[e] == weak
                            || seen.insert(t, ()).is_some()
                            || seen.len() > 4000
                        {
                            continue;
                        }
                        if self.snap.nodes.ty[t as usize] != closure {
                            next.push(t);
                            continue;
                        }
                        let p = packages.of_node[t as usize];
                        if !packages.names[p as usize].starts_with('(') {
                            *votes.entry(p).or_insert(0) += 1;
                        }
                    }
                }
                frontier = next;
            }
        }
        votes
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(p, _)| packages.names[p as usize].clone())
    }
}

fn module_scope(file: String, package: String) -> CodeSite {
    CodeSite {
        file,
        line: 1,
        column: 1,
        function: "(module scope)".into(),
        package,
        original: None,
    }
}

/// Where a growing statement is looked for.
#[derive(Clone, Copy)]
enum Within {
    Function,
    File,
}

/// Script sources, read once each (code only: comments and strings blanked).
#[derive(Default)]
struct Sources {
    code: FxHashMap<String, Option<String>>,
}

impl Sources {
    /// The code of `file`: from disk, else the snapshot's copy of the script
    /// source (V8 keeps at most its first kilobyte or so).
    fn code(&mut self, a: &Analysis, file: &str, script: Option<u32>) -> Option<&str> {
        self.code
            .entry(file.to_string())
            .or_insert_with(|| {
                let path = file.strip_prefix("file://").unwrap_or(file);
                let on_disk = std::fs::metadata(path)
                    .ok()
                    .filter(|m| m.is_file() && m.len() <= MAX_SOURCE_BYTES)
                    .and_then(|_| std::fs::read_to_string(path).ok());
                on_disk
                    .or_else(|| script.and_then(|s| a.script_source(s)))
                    .map(|text| code_only(&text))
            })
            .as_deref()
    }

    /// The clue's growing statement, in the owner's own function or
    /// anywhere in its file.
    fn growth_site(
        &mut self,
        a: &Analysis,
        clue: &Clue,
        within: Within,
    ) -> Option<(Clue, CodeSite)> {
        let code = self.code(a, &clue.owner.file, clue.script)?;
        let (line, column) = match within {
            Within::Function => {
                let (line, column) = clue.function_start?;
                let span = function_span(code, line, column)?;
                // Inside its function a property is often read into a
                // variable of the same name first (`var cache = f.cache`).
                let local = match &clue.growth {
                    Growth::Property(name) => Some(Growth::Variable(name.clone())),
                    _ => None,
                };
                find_growth(code, Some(span), &clue.growth)
                    .or_else(|| find_growth(code, Some(span), local.as_ref()?))?
            }
            Within::File => find_growth(code, None, &clue.growth)?,
        };
        let site = CodeSite {
            line,
            column,
            original: None,
            ..clue.owner.clone()
        };
        Some((clue.clone(), site))
    }
}
