//! Every sentence of a leak report: what grows, how fast, what it holds,
//! where it piles up and what belongs to the same leak. Sizes and counts
//! are spelled by `heapscope-report`, as in every other view.

use super::context::group_key;
use super::merge::Working;
use super::{LeakContext, SuspectKind, Unit};
use crate::Analysis;
use heapscope_report::{human_bytes, thousands};

/// Related groups named in a suspect's summary (all are in its JSON).
const RELATED_NAMED: usize = 4;

pub fn narrate(cx: &LeakContext, suspects: &mut [Working]) {
    for w in suspects {
        let mut text = match (w.suspect.kind, w.suspect.unit) {
            (SuspectKind::GrowingCollection, Unit::Bytes) => array_store(cx, w),
            (SuspectKind::GrowingCollection, _) => collection(cx, w),
            (SuspectKind::GrowingObject, _) => growing_object(cx, w),
            _ => group(cx, w),
        };
        text.push_str(&related(w));
        text.push_str(&pile(cx.last, w));
        w.suspect.summary = text;
    }
}

fn bytes(n: u64) -> String {
    human_bytes(n as f64)
}

fn share(cx: &LeakContext, n: u64) -> String {
    format!("{:.1}% of the heap", n as f64 * 100.0 / cx.total)
}

fn series(values: &[u64], spell: fn(u64) -> String) -> String {
    values
        .iter()
        .map(|&v| spell(v))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn attributed(w: &Working) -> String {
    match w.suspect.package.starts_with('(') {
        true => String::new(),
        false => format!(", attributed to {}", w.suspect.package),
    }
}

fn group(cx: &LeakContext, w: &Working) -> String {
    let s = &w.suspect;
    format!(
        "{} {} {} created since snapshot 1 are still alive, +{} per interval ({}); they hold {} ({}){}.",
        thousands(s.survivors),
        s.class,
        if s.class.ends_with("()") { "functions" } else { "objects" },
        thousands(s.growth_per_interval.round() as u64),
        series(&s.counts, thousands),
        bytes(s.retained_size),
        share(cx, s.retained_size),
        attributed(w)
    )
}

fn collection(cx: &LeakContext, w: &Working) -> String {
    let s = &w.suspect;
    format!(
        "One {} (@{}) only grows: {} entries ({}), +{} per interval; it retains {} ({}){}.",
        s.class,
        s.sample_id,
        thousands(*s.counts.last().unwrap_or(&0)),
        series(&s.counts, thousands),
        thousands(s.growth_per_interval.round() as u64),
        bytes(s.retained_size),
        share(cx, s.retained_size),
        attributed(w)
    )
}

fn array_store(cx: &LeakContext, w: &Working) -> String {
    let s = &w.suspect;
    format!(
        "One {} (@{}) has a backing store that only grows ({}), +{} per interval, with no more objects in it: \
         its slots hold null, undefined or numbers that are never removed; it retains {} ({}){}.",
        s.class,
        s.sample_id,
        series(&s.counts, bytes),
        bytes(s.growth_per_interval as u64),
        bytes(s.retained_size),
        share(cx, s.retained_size),
        attributed(w)
    )
}

fn growing_object(cx: &LeakContext, w: &Working) -> String {
    let s = &w.suspect;
    let a = cx.last;
    let bulk = w
        .object
        .and_then(|v| a.bulk_of(v))
        .map(|b| {
            format!(
                "; most of it is one {} of {} (@{})",
                group_key(a, b),
                bytes(a.snap.nodes.self_size.get(b as usize)),
                a.snap.nodes.id[b as usize]
            )
        })
        .unwrap_or_default();
    format!(
        "One {} (@{}) keeps growing: it retains {} ({}), +{} per interval; now {}{}{}.",
        s.class,
        s.sample_id,
        bytes(s.retained_size),
        series(&s.counts, bytes),
        bytes(s.growth_per_interval as u64),
        share(cx, s.retained_size),
        bulk,
        attributed(w)
    )
}

/// " They hold other new objects: 400 Foo, 400 Bar and 2 more groups."
fn related(w: &Working) -> String {
    let related = &w.suspect.related;
    if related.is_empty() {
        return String::new();
    }
    let mut list = related
        .iter()
        .take(RELATED_NAMED)
        .map(|r| format!("{} {}", thousands(r.survivors), r.class))
        .collect::<Vec<_>>()
        .join(", ");
    let more = related.len().saturating_sub(RELATED_NAMED);
    if more > 0 {
        list.push_str(&format!(
            " and {more} more group{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    format!(" They hold other new objects: {list}.")
}

/// " 800 of them pile up in one Map @12 (Module.exports.pages), which
/// retains 1.2 MB." The holder's own retained size is told apart when the
/// objects are also held elsewhere (it then retains less than they hold).
fn pile(a: &Analysis, w: &Working) -> String {
    let (Some(h), Some(held_by)) = (&w.holder, &w.suspect.held_by) else {
        return String::new();
    };
    let whose = match &h.of_related {
        None => "of them".to_string(),
        Some(class) => format!("of their {class}"),
    };
    let via = match held_by.reference.is_empty() {
        true => String::new(),
        false => format!(" ({})", held_by.reference),
    };
    let retained = a.retained[h.node as usize];
    let what = match retained >= w.suspect.retained_size {
        true => format!("which retains {}", bytes(retained)),
        false => format!(
            "which alone retains {} (they are also referenced from elsewhere)",
            bytes(retained)
        ),
    };
    format!(
        " {} {whose} pile up in one {} @{}{via}, {what}.",
        thousands(h.held),
        held_by.class,
        held_by.id
    )
}

impl Analysis {
    /// The single object holding most of `v`'s retained size (at least half of
    /// it, by its own size), found down the largest dominator children.
    fn bulk_of(&self, v: u32) -> Option<u32> {
        let target = self.retained[v as usize] / 2;
        let mut x = v;
        for _ in 0..8 {
            if self.snap.nodes.self_size.get(x as usize) >= target {
                return (x != v).then_some(x);
            }
            let root = self.snap.root;
            let child = (0..self.snap.node_count() as u32)
                .filter(|&u| u != root && self.dom[u as usize] == x)
                .max_by_key(|&u| self.retained[u as usize])?;
            if self.retained[child as usize] < target {
                return None;
            }
            x = child;
        }
        None
    }
}
