//! The sandbox document (machine configuration + optional seeded workload + op-language script),
//! how it becomes a session, its `.ops` export, and the URL state (mode, document, step).
//! No allocator logic: sessions are built by the core (`script`, `workload`, `Session`).

use std::io::{Read, Write};

use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::workload::{self, Mix};

/// The walking skeleton's demo: a small machine so every page is visible.
pub const DEMO_CONFIG: &str = "mem=256K";
pub const DEMO_SCRIPT: &str = "\
pages alloc order=0 as=a
pages alloc order=2 as=b
pages alloc order=1 as=c
pages alloc order=3 as=d
pages free a
pages free c
pages free b
pages free d
";

/// Largest workload the generator accepts (ops).
pub const MAX_WORKLOAD: usize = 1_000_000;

/// The UI mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Lessons,
    Sandbox,
    Trace,
    /// Runs side by side (issue #19).
    Compare,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Lessons, Mode::Sandbox, Mode::Trace, Mode::Compare];
    pub fn code(self) -> &'static str {
        match self {
            Mode::Lessons => "lessons",
            Mode::Sandbox => "sandbox",
            Mode::Trace => "trace",
            Mode::Compare => "compare",
        }
    }
    pub fn from_code(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.code() == s)
    }
}

/// A seeded workload (core::workload) run before the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workload {
    pub seed: u64,
    pub count: usize,
    /// A `Mix::PRESETS` name.
    pub mix: String,
}

/// What the sandbox session is made of.
#[derive(Clone, Debug, PartialEq)]
pub struct Doc {
    pub config: MachineConfig,
    pub workload: Option<Workload>,
    /// Op-language lines (no `config` lines: the configuration lives in `config`).
    pub script: String,
}

/// Apply `key=value` settings (space- or comma-separated) to the default machine. Errors name the
/// setting.
pub fn config_from_settings(text: &str) -> Result<MachineConfig, String> {
    let mut c = MachineConfig::default();
    for (i, kv) in text.split([' ', ',']).filter(|s| !s.is_empty()).enumerate() {
        let (k, v) = kv.split_once('=').ok_or_else(|| format!("setting {} `{kv}`: expected KEY=VALUE", i + 1))?;
        script::set_config(&mut c, k, v).map_err(|e| format!("setting {} `{kv}`: {e}", i + 1))?;
    }
    c.validate().map_err(|e| format!("invalid machine: {e}"))?;
    Ok(c)
}

impl Doc {
    pub fn demo() -> Doc {
        Doc {
            config: config_from_settings(DEMO_CONFIG).expect("demo config is valid"),
            workload: None,
            script: DEMO_SCRIPT.to_string(),
        }
    }

    /// Build the session: boot, the workload's ops, then the script's. Errors are located
    /// (`line:col: message` for the script, `workload op N: message` for the workload).
    pub fn build(&self) -> Result<Session, String> {
        let mut b = self.builder()?;
        b.step(usize::MAX)?;
        Ok(b.finish().1)
    }

    /// Prepare the build (generate the workload, parse the script) without running any op, so a
    /// large document can be built in chunks while the page stays responsive.
    pub fn builder(&self) -> Result<Builder, String> {
        let mut names = Names::default();
        let wl_ops = match &self.workload {
            None => Vec::new(),
            Some(w) => {
                let mix = Mix::by_name(&w.mix).ok_or_else(|| format!("unknown workload mix `{}`", w.mix))?;
                workload::workload(&self.config, w.seed, w.count.min(MAX_WORKLOAD), mix, &mut names)
            }
        };
        let prog = script::parse(&self.script, &mut names).map_err(|e| e.to_string())?;
        if let Some(s) = prog.settings.first() {
            return Err(format!(
                "{}:{}: `config` lines are not allowed here: use the configuration panel",
                s.line, s.col
            ));
        }
        let session = Session::with_names(self.config.clone(), names).map_err(|e| e.to_string())?;
        let workload_ops = wl_ops.len();
        let ops = wl_ops.into_iter().map(|op| (op, 0)).chain(prog.ops.into_iter().zip(prog.lines)).collect();
        Ok(Builder { doc: self.clone(), session, ops, workload_ops, next: 0 })
    }

    /// The whole session as a runnable `.ops` file: config line, the workload's ops spelled out,
    /// then the script.
    pub fn export(&self, session: &Session) -> String {
        let mut out = String::new();
        let cfg = script::config_text(&self.config);
        if !cfg.is_empty() {
            out.push_str(&format!("config {cfg}\n"));
        }
        if let Some(w) = &self.workload {
            out.push_str(&format!("# workload seed={} count={} mix={}\n", w.seed, w.count, w.mix));
            for k in 0..w.count.min(session.op_count()) {
                if let Some(op) = session.op(k) {
                    out.push_str(&op.to_script(session.names()));
                    out.push('\n');
                }
            }
        }
        out.push_str(&self.script);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    /// A document from an uploaded `.ops` file. The whole file is run first so errors point
    /// into it (`line:col`); its `config` lines become the configuration.
    pub fn from_ops_file(text: &str) -> Result<(Doc, Session), String> {
        script::load(text, &MachineConfig::default(), &[]).map_err(|e| e.to_string())?;
        let mut names = Names::default();
        let prog = script::parse(text, &mut names).map_err(|e| e.to_string())?;
        let config = prog.apply_config(&MachineConfig::default()).map_err(|e| e.to_string())?;
        let script: String = text
            .lines()
            .filter(|l| {
                let l = l.trim_start();
                !(l.starts_with("config ") || l == "config")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let doc = Doc { config, workload: None, script };
        let session = doc.build()?;
        Ok((doc, session))
    }

    /// URL parameters (`cfg`, `wl`, `s`), empty for the demo document.
    fn url_params(&self) -> Vec<(&'static str, String)> {
        if *self == Doc::demo() {
            return Vec::new();
        }
        let mut out = vec![("cfg", script::config_text(&self.config).replace(' ', ","))];
        if let Some(w) = &self.workload {
            out.push(("wl", format!("{},{},{}", w.seed, w.count, w.mix)));
        }
        if !self.script.is_empty() {
            out.push(("s", encode_script(&self.script)));
        }
        out
    }
}

/// The document's part of the URL: `&cfg=..[&wl=..][&s=..]`, empty for the demo.
pub fn doc_params(doc: &Doc) -> String {
    doc.url_params().into_iter().map(|(k, v)| format!("&{k}={}", percent_encode(&v))).collect()
}

/// The URL hash for a view: `#mode=M[&cfg=..][&wl=..][&s=..]&step=N` (`params` from [`doc_params`]).
pub fn url_hash(mode: Mode, params: &str, step: u64) -> String {
    format!("#mode={}{params}&step={step}", mode.code())
}

/// A document being built op by op (see [`Doc::builder`]).
pub struct Builder {
    doc: Doc,
    session: Session,
    /// Every op with its script line (0 for workload ops, which come first).
    ops: Vec<(slabscope_core::op::Op, u32)>,
    workload_ops: usize,
    next: usize,
}

impl Builder {
    /// Run up to `n` more ops; `Ok(true)` once all ran. Errors are located (the workload op's
    /// number, or the script's line and column); the caller keeps its old session on error.
    pub fn step(&mut self, n: usize) -> Result<bool, String> {
        let end = self.next.saturating_add(n).min(self.ops.len());
        for i in self.next..end {
            let (op, line) = self.ops[i];
            self.session.push(op, line).map_err(|e| {
                if i < self.workload_ops {
                    format!("workload op {}: {e}", i + 1)
                } else {
                    script::op_error(line, e).to_string()
                }
            })?;
        }
        self.next = end;
        Ok(self.next == self.ops.len())
    }
    /// (ops run, ops in all).
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.ops.len())
    }
    /// The document and its session.
    pub fn finish(self) -> (Doc, Session) {
        (self.doc, self.session)
    }
}

/// What the URL asks for. Fields are `None` when absent or invalid; `errors` say why (located).
#[derive(Debug, Default)]
pub struct UrlState {
    pub mode: Option<Mode>,
    /// The document and its session (built once, to validate it).
    pub doc: Option<(Doc, Session)>,
    pub step: Option<u64>,
    pub errors: Vec<String>,
}

/// Read the query string and the hash (hash parameters win).
pub fn read_url(search: &str, hash: &str) -> UrlState {
    let mut params: Vec<(String, String)> = Vec::new();
    for part in [search.trim_start_matches('?'), hash.trim_start_matches('#')] {
        for kv in part.split('&').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let v = percent_decode(v);
            params.retain(|p| p.0 != k);
            params.push((k.to_string(), v));
        }
    }
    let get = |k: &str| params.iter().find(|p| p.0 == k).map(|p| p.1.as_str());
    let mut st = UrlState::default();
    if let Some(m) = get("mode") {
        match Mode::from_code(m) {
            Some(m) => st.mode = Some(m),
            None => st.errors.push(format!("mode=`{m}`: expected lessons, sandbox, trace or compare")),
        }
    }
    if let Some(s) = get("step") {
        match s.parse() {
            Ok(n) => st.step = Some(n),
            Err(_) => st.errors.push(format!("step=`{s}`: expected a step number")),
        }
    }
    if get("cfg").is_some() || get("wl").is_some() || get("s").is_some() {
        let doc = (|| -> Result<(Doc, Session), String> {
            let config = config_from_settings(get("cfg").unwrap_or("")).map_err(|e| format!("cfg: {e}"))?;
            let workload = match get("wl") {
                None => None,
                Some(w) => Some(parse_workload_param(w).map_err(|e| format!("wl=`{w}`: {e}"))?),
            };
            let script = match get("s") {
                None => String::new(),
                Some(s) => decode_script(s).map_err(|e| format!("s: {e}"))?,
            };
            let doc = Doc { config, workload, script };
            let session = doc.build().map_err(|e| format!("s: {e}"))?;
            Ok((doc, session))
        })();
        match doc {
            Ok(d) => st.doc = Some(d),
            Err(e) => st.errors.push(e),
        }
    }
    st
}

pub fn parse_workload_param(w: &str) -> Result<Workload, String> {
    let f: Vec<&str> = w.split(',').collect();
    let [seed, count, mix] = f[..] else { return Err("expected SEED,COUNT,MIX".into()) };
    let seed = script::parse_num(seed).ok_or("the seed is not a number")?;
    let count = script::parse_num(count)
        .filter(|&n| n as usize <= MAX_WORKLOAD)
        .ok_or(format!("the count must be a number up to {MAX_WORKLOAD}"))? as usize;
    Mix::by_name(mix).ok_or(format!("unknown mix `{mix}`: expected pages, slab, superslab or mixed"))?;
    Ok(Workload { seed, count, mix: mix.to_string() })
}

/// Script text → deflate → base64url (no padding).
pub fn encode_script(text: &str) -> String {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(text.as_bytes()).expect("writing to memory");
    base64url_encode(&enc.finish().expect("writing to memory"))
}

/// The inverse of [`encode_script`], with a message on bad input.
pub fn decode_script(s: &str) -> Result<String, String> {
    let bytes = base64url_decode(s).ok_or("not base64url")?;
    let mut out = String::new();
    flate2::read::DeflateDecoder::new(&bytes[..])
        .take(16 << 20)
        .read_to_string(&mut out)
        .map_err(|e| format!("not a compressed script ({e})"))?;
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b',' | b'=' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_and_script_round_trip() {
        for n in 0..10 {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 5) as u8).collect();
            assert_eq!(base64url_decode(&base64url_encode(&bytes)).unwrap(), bytes);
        }
        let text = "kmalloc 64 as=x\nrepeat 3 { pages alloc order=0 as=p[] }\n# ✓ comment\n";
        assert_eq!(decode_script(&encode_script(text)).unwrap(), text);
        assert!(decode_script("!!").is_err());
        assert!(decode_script("AAAA").is_err());
    }

    #[test]
    fn url_round_trip_and_located_errors() {
        let doc = Doc {
            config: config_from_settings("mem=1M slab=slab cpus=2").unwrap(),
            workload: Some(Workload { seed: 7, count: 50, mix: "mixed".into() }),
            script: "kmalloc 64 as=x\nkfree x\n".into(),
        };
        let hash = url_hash(Mode::Trace, &doc_params(&doc), 12);
        let st = read_url("", &hash);
        assert_eq!(st.errors, Vec::<String>::new());
        assert_eq!((st.mode, st.step), (Some(Mode::Trace), Some(12)));
        assert_eq!(st.doc.as_ref().map(|d| &d.0), Some(&doc));
        assert_eq!(url_hash(Mode::Sandbox, &doc_params(&Doc::demo()), 3), "#mode=sandbox&step=3");
        let st = read_url("?mode=bogus", "#cfg=mem=abc&step=x");
        assert_eq!(st.mode, None);
        assert!(st.doc.is_none());
        assert!(st.errors.iter().any(|e| e.contains("mode=`bogus`")), "{:?}", st.errors);
        assert!(st.errors.iter().any(|e| e.contains("setting 1 `mem=abc`")), "{:?}", st.errors);
        let bad = encode_script("kmalloc 64 as=x\npages alloc ordr=1 as=y\n");
        let st = read_url("", &format!("#s={bad}"));
        assert!(st.errors.iter().any(|e| e.starts_with("s: 2:13:")), "{:?}", st.errors);
    }

    /// Keys the views build from names have catalogue entries.
    #[test]
    fn composed_catalogue_keys_exist() {
        use crate::i18n::{t, Lang};
        let keys = Mode::ALL
            .iter()
            .map(|m| format!("ui.mode.{}", m.code()))
            .chain(Mix::PRESETS.iter().map(|p| format!("ui.mix.{}", p.0)))
            .chain(["slub", "sheaves", "slab", "aether"].iter().map(|p| format!("ui.cfg.slab.{p}")))
            .chain(crate::views::memory_map::CATEGORIES.iter().map(|c| c.1.to_string()));
        for key in keys {
            for lang in [Lang::En, Lang::Ja] {
                assert_ne!(t(lang, &key), key, "missing {key}");
            }
        }
    }

    #[test]
    fn export_runs_back_to_the_same_session() {
        let doc = Doc {
            config: config_from_settings("mem=4M pcp=on").unwrap(),
            workload: Some(Workload { seed: 1, count: 40, mix: "mixed".into() }),
            script: "kmalloc 64 as=x\n".into(),
        };
        let s = doc.build().unwrap();
        let text = doc.export(&s);
        let (back, s2) = Doc::from_ops_file(&text).unwrap();
        assert_eq!(back.config, doc.config);
        assert_eq!(s2.total_steps(), s.total_steps());
        let err = Doc::from_ops_file("config mem=1M\npages alloc order=0 as=a\npages free b\n").unwrap_err();
        assert!(err.starts_with("3:"), "{err}");
    }
}
