//! Reading JavaScript source for attribution, without parsing it: the text
//! with comments, strings and regular expressions blanked (so that a search
//! sees only code), the span of a function from its start position, and the
//! statement that grows a collection (`recentErrors.push(err)`,
//! `this.sessions[id] = …`, `buffer += line`), schedules a timer with a
//! callback or loads a module. Positions are 1-based lines and columns.

use regex::Regex;

/// `src` with the contents of comments, string and template literals and
/// regular expressions replaced by spaces: same length, same line breaks,
/// quotes kept, so that positions found in it are positions in `src`.
pub fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    // The last significant byte of code, to tell a regex from a division.
    let mut last = b'\n';
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to.min(b.len())] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == b'/' && next == Some(b'/') {
            let end = b[i..]
                .iter()
                .position(|&x| x == b'\n')
                .map_or(b.len(), |p| i + p);
            blank(&mut out, i, end);
            i = end;
        } else if c == b'/' && next == Some(b'*') {
            let end = find(b, i + 2, b"*/").map_or(b.len(), |p| p + 2);
            blank(&mut out, i, end);
            i = end;
        } else if c == b'\'' || c == b'"' || c == b'`' {
            let end = literal_end(b, i, c);
            blank(&mut out, i + 1, end.saturating_sub(1).max(i + 1));
            last = c;
            i = end;
        } else if c == b'/' && regex_may_start(last) {
            let end = literal_end(b, i, b'/');
            blank(&mut out, i + 1, end.saturating_sub(1).max(i + 1));
            last = b'/';
            i = end;
        } else {
            if !c.is_ascii_whitespace() {
                last = c;
            }
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

/// One past the closing `quote` of the literal opening at `start` (escapes
/// skipped; a quote or regex literal also ends at a line break).
fn literal_end(b: &[u8], start: usize, quote: u8) -> usize {
    let mut i = start + 1;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'\n' if quote != b'`' => return i,
            b'[' if quote == b'/' => in_class = true,
            b']' if quote == b'/' => in_class = false,
            c if c == quote && !in_class => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// Whether a `/` after this byte starts a regular expression (not a division).
fn regex_may_start(last: u8) -> bool {
    matches!(
        last,
        b'(' | b',' | b'=' | b':' | b'[' | b'!' | b'&' | b'|' | b'?' | b'{' | b'}' | b';' | b'\n'
    )
}

/// Byte offset of a 1-based line and column.
fn offset_of(text: &str, line: u32, column: u32) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    Some((start + column.saturating_sub(1) as usize).min(text.len()))
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> u32 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&c| c == b'\n')
        .count() as u32
        + 1
}

/// The lines of the function that starts at (`line`, `column`) in `code`
/// (from [`code_only`]): up to its body's closing brace. `None` when no
/// body is found (an arrow function's expression body: its own line).
pub fn function_span(code: &str, line: u32, column: u32) -> Option<(u32, u32)> {
    let start = offset_of(code, line, column)?;
    let b = code.as_bytes();
    let open = start + b[start..].iter().position(|&c| c == b'{')?;
    // An arrow with an expression body ends before any brace that follows.
    if let Some(arrow) = find(b, start, b"=>").filter(|&a| a < open) {
        let body = b[arrow + 2..]
            .iter()
            .position(|c| !c.is_ascii_whitespace())?;
        if arrow + 2 + body != open {
            return Some((line, line_of(code, arrow)));
        }
    }
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate().skip(open) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((line, line_of(code, i)));
                }
            }
            _ => {}
        }
    }
    None
}

/// How the code reaches what grows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Growth {
    /// A property of an object or function (`x.name.push(…)`, `this.name[k] = …`).
    Property(String),
    /// A variable of a closure or module (`name.push(…)`, `name += …`).
    Variable(String),
    /// A timer scheduled with this callback (`setTimeout(this.name, …)`).
    Timer(String),
    /// A module loaded with `require` (`Module.children` grows).
    Require,
}

/// Methods that add to a collection, a queue, a buffer or an emitter.
const ADDING_METHODS: &str = "push|unshift|splice|set|add|enqueue|append|insert|put|concat|write|on|once|addListener|prependListener|addEventListener";

impl Growth {
    /// The patterns that find the growing statement, best first.
    fn patterns(&self) -> Vec<Regex> {
        let esc = |n: &str| regex::escape(n);
        let build = |p: String| Regex::new(&p).expect("valid growth pattern");
        match self {
            Growth::Property(name) | Growth::Variable(name) => {
                let before = match self {
                    Growth::Property(_) => r"\.\s*".to_string(),
                    _ => r"(?:^|[^.\w$])".to_string(),
                };
                let n = esc(name);
                vec![build(format!(
                    r"{before}{n}\s*(?:\.\s*(?:{ADDING_METHODS})\s*\(|\[[^\]\n]*\]\s*=[^=]|\+=|=\s*{n}\s*\+)"
                ))]
            }
            Growth::Timer(name) => vec![build(format!(
                r"\bset(?:Timeout|Interval|Immediate)\s*\(\s*(?:async\s+)?(?:function\s*\*?\s*)?(?:[\w$]+\s*\.\s*)*{}\b",
                esc(name)
            ))],
            Growth::Require => vec![
                build(r#"\brequire\s*\(\s*[^'"`\s)]"#.to_string()),
                build(r"\brequire\s*\(".to_string()),
            ],
        }
    }
}

/// The first statement in `code` (from [`code_only`]) that grows what
/// `growth` names, within `span` (lines) when given: its (line, column),
/// the column of the name (or of the call) it starts with.
pub fn find_growth(code: &str, span: Option<(u32, u32)>, growth: &Growth) -> Option<(u32, u32)> {
    let (from, to) = match span {
        Some((a, b)) => (
            offset_of(code, a, 1)?,
            offset_of(code, b + 1, 1).unwrap_or(code.len()),
        ),
        None => (0, code.len()),
    };
    let window = &code[from..to.max(from)];
    growth.patterns().iter().find_map(|re| {
        let m = re.find(window)?;
        // Past a leading separator or dot: the name's own position.
        let text = m.as_str();
        let skip = text.len()
            - text
                .trim_start_matches(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .len();
        let at = from + m.start() + skip;
        let line = line_of(code, at);
        let line_start = offset_of(code, line, 1)?;
        Some((line, (at - line_start) as u32 + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_strings_and_regexes_are_blanked_in_place() {
        let src = "a = 'x.push(' // b.push(\n/* c.push( */ d = /e.push(/g; f = g / 2; `t${h}`\n";
        let code = code_only(src);
        assert_eq!(code.len(), src.len());
        assert_eq!(code.lines().count(), src.lines().count());
        assert!(!code.contains("push"), "{code}");
        assert!(code.contains("f = g / 2"), "a division stays: {code}");
    }

    #[test]
    fn a_function_span_ends_at_its_closing_brace() {
        let code =
            code_only("function f(a) {\n  if (a) { g(); }\n  return '}';\n}\nfunction h() {}\n");
        assert_eq!(function_span(&code, 1, 11), Some((1, 4)));
        assert_eq!(function_span(&code, 5, 11), Some((5, 5)));
        let arrow = code_only("const k = (x) => x + 1;\nfunction z() {}\n");
        assert_eq!(function_span(&arrow, 1, 11), Some((1, 1)));
    }

    #[test]
    fn growth_of_a_variable_or_property_is_found_past_comments() {
        let src = "// recentErrors.push(x) in a comment\nconst recentErrors = [];\nfunction rec(e) {\n  recentErrors.push(e);\n}\n";
        let code = code_only(src);
        let var = Growth::Variable("recentErrors".into());
        assert_eq!(find_growth(&code, None, &var), Some((4, 3)));
        // As a property it needs a dot before it.
        assert_eq!(
            find_growth(&code, None, &Growth::Property("recentErrors".into())),
            None
        );
        let store = code_only("all() { sessions[id] = s; }\nset(id, s) {\n  this.sessions[id] = JSON.stringify(s)\n}\n");
        assert_eq!(
            find_growth(&store, None, &Growth::Property("sessions".into())),
            Some((3, 8))
        );
        let concat =
            code_only("let buffer = '';\nfunction log(l) { if (buffer === '') {} buffer += l; }\n");
        assert_eq!(
            find_growth(&concat, None, &Growth::Variable("buffer".into())),
            Some((2, 41))
        );
    }

    #[test]
    fn a_span_limits_the_search_to_one_function() {
        let code =
            code_only("function a() { cache.set(1, 2); }\nfunction b() {\n  cache.set(k, v);\n}\n");
        let cache = Growth::Variable("cache".into());
        assert_eq!(find_growth(&code, Some((2, 4)), &cache), Some((3, 3)));
        assert_eq!(find_growth(&code, None, &cache), Some((1, 16)));
    }

    #[test]
    fn timers_and_requires_are_found_by_their_call() {
        let code = code_only("start() {\n  this.t = setTimeout(this._check, 1000);\n}\n");
        assert_eq!(
            find_growth(&code, None, &Growth::Timer("_check".into())),
            Some((2, 12))
        );
        let inline = code_only("const t = setInterval(function heartbeat() {}, 10);\n");
        assert_eq!(
            find_growth(&inline, None, &Growth::Timer("heartbeat".into())),
            Some((1, 11))
        );
        let req =
            code_only("const a = require('a');\nfunction load(f) {\n  return require(f);\n}\n");
        assert_eq!(find_growth(&req, None, &Growth::Require), Some((3, 10)));
    }
}
