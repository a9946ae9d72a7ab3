//! A minimal aligned text table; cells are truncated to a maximum width.

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub struct Table {
    headers: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
    max_width: usize,
}

impl Table {
    pub fn new(headers: &[(&str, Align)]) -> Self {
        Table {
            headers: headers.iter().map(|(h, a)| (h.to_string(), *a)).collect(),
            rows: Vec::new(),
            max_width: 60,
        }
    }

    /// Longest cell width before truncation with `…`.
    pub fn max_width(mut self, width: usize) -> Self {
        self.max_width = width.max(4);
        self
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        let clip = |s: &str| -> String {
            let one_line: String = s
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            if one_line.chars().count() > self.max_width {
                let mut t: String = one_line.chars().take(self.max_width - 1).collect();
                t.push('…');
                t
            } else {
                one_line
            }
        };
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(|c| clip(c)).collect())
            .collect();
        let mut widths: Vec<usize> = self
            .headers
            .iter()
            .map(|(h, _)| h.chars().count())
            .collect();
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(c.chars().count());
                }
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut parts = Vec::new();
            for (i, c) in cells.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                let pad = w.saturating_sub(c.chars().count());
                let align = self.headers.get(i).map(|h| h.1).unwrap_or(Align::Left);
                let last = i + 1 == cells.len();
                parts.push(match align {
                    Align::Right => format!("{}{}", " ".repeat(pad), c),
                    Align::Left if last => c.clone(),
                    Align::Left => format!("{}{}", c, " ".repeat(pad)),
                });
            }
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        let header: Vec<String> = self.headers.iter().map(|(h, _)| h.clone()).collect();
        line(&header, &mut out);
        for r in &rows {
            line(r, &mut out);
        }
        out
    }
}
