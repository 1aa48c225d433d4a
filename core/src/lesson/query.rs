//! Questions a lesson asks of the simulation: `nr_free order=3`, `slabs kmalloc-64 list=partial`,
//! `events slub.alloc_fast`… Each names one number of the state at a step, read through the layers'
//! public state (never recomputed), so an expectation or an answer can only agree with the
//! simulation, not with an author's arithmetic.
//!
//! An expectation is `QUERY CMP OPERAND` with `CMP` one of `== != < <= > >=` and `OPERAND` a
//! number or another query (`slab a == slab b`).

use std::fmt;

use crate::event::{EntityRef, Event};
use crate::names::{Binding, Names, Value};
use crate::sim::Sim;

/// What a query reads, with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    /// Pages on the buddy free lists.
    FreePages,
    /// Pages in use.
    UsedPages,
    /// Pages parked on per-CPU page lists.
    PcpPages,
    /// All page frames.
    TotalPages,
    /// `nr_free` of an order, on one node or summed.
    NrFree { order: u8, node: Option<u8> },
    /// The unusable free space index of an order, in percent (rounded down).
    Unusable { order: u8 },
    /// The highest order with a free block, or -1.
    LargestFree,
    /// Order of the block a name holds.
    Order(Ref),
    /// First pfn of what a name holds (the page of an object).
    Pfn(Ref),
    /// Address a name holds (objects and tiny blocks; pages: their direct-map address).
    Addr(Ref),
    /// Node of the page a name's value lives on.
    NodeOf(Ref),
    /// 1 if the name holds a live allocation, else 0.
    Bound(Ref),
    /// First pfn of the slab holding a name's object.
    SlabOf(Ref),
    /// Live caches of the active slab policy (aliases not counted).
    Caches,
    /// Objects allocated from a cache.
    Objects(String),
    /// Object slots in a cache's slabs.
    Slots(String),
    /// Slabs of a cache, all or on one list.
    Slabs { cache: String, list: SlabListQ },
    /// Objects per slab.
    PerSlab(String),
    /// Slab order (pages = 2^order).
    SlabOrder(String),
    /// Bytes per object slot (with metadata and alignment).
    Size(String),
    /// Colour offset of the slab holding a name's object, in bytes.
    Colour(Ref),
    /// Allocations served without leaving the CPU (cpu freelist, array, magazine, sheaf, object cache).
    Fast { cache: String, cpu: Option<u16> },
    /// Allocations that had to go further.
    Slow { cache: String, cpu: Option<u16> },
    /// Objects a CPU can hand out without a lock: SLUB's lockless freelist, SLAB's array,
    /// AetherOS's object cache + hot list, the loaded magazine or main sheaf.
    Freelist { cache: String, cpu: u16 },
    /// Full magazines / sheaves in a node's depot / barn.
    Depot { cache: String, node: u8 },
    /// Live SuperSlabs (of one block size, or all).
    SuperSlabs { size: Option<u32> },
    /// Bytes the SuperSlab allocator holds from the page allocator.
    Resident,
    /// `total_active_blocks` of a SuperSlab.
    ActiveBlocks { id: u32 },
    /// Events of this step with a message key (a trailing `*` matches a prefix).
    Events(String),
    /// The free pointer stored inside the object a name holds or held (SLUB: decoded as
    /// `get_freepointer` does; 0 = end of the list).
    FreePtr(Ref),
    /// Where in an object SLUB keeps the free pointer (bytes from the object's start).
    FpOffset(String),
}

/// A name, or an element of a list name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ref {
    /// The name.
    pub name: String,
    /// `NAME[i]`.
    pub index: Option<usize>,
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            None => write!(f, "{}", self.name),
            Some(i) => write!(f, "{}[{i}]", self.name),
        }
    }
}

/// Which slabs `slabs` counts. Names follow each policy: `cpu`, `cpu_partial`, `node_partial`
/// (SLUB), `free` (SLAB's slabs_free, AetherOS's empty list), `partial` and `full` for all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlabListQ {
    /// Every slab.
    Any,
    /// Every object in use.
    Full,
    /// SLUB: on a node partial list; SLAB / AetherOS: on the partial list.
    Partial,
    /// No object in use, on a free / empty list.
    Free,
    /// SLUB: a CPU's active slab.
    Cpu,
    /// SLUB: on a CPU partial list.
    CpuPartial,
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    /// Apply.
    pub fn holds(self, a: i64, b: i64) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }
    /// Spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// The right side of an expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    /// A number.
    Num(i64),
    /// Another query.
    Query(Query),
}

/// `QUERY CMP OPERAND`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// Left side.
    pub lhs: Query,
    /// Comparison.
    pub cmp: Cmp,
    /// Right side.
    pub rhs: Operand,
    /// As written.
    pub text: String,
}

/// Why a query could not be read or parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryError {
    /// Not a known query word.
    Unknown { word: String, suggestion: Option<String> },
    /// An argument is missing or malformed.
    BadArg { query: &'static str, detail: String },
    /// The expectation has no comparison.
    NoComparison(String),
    /// A name is not bound at this step.
    Unbound(String),
    /// A name holds something the query does not apply to.
    WrongKind { name: String, want: &'static str },
    /// No cache of that name under the active policy.
    NoCache { name: String, suggestion: Option<String> },
    /// The query does not apply to the active slab policy.
    Policy { query: &'static str, policy: &'static str },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Unknown { word, suggestion } => {
                write!(f, "unknown query `{word}`; expected one of: {}", QUERY_WORDS.join(", "))?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean `{s}`?")?;
                }
                Ok(())
            }
            QueryError::BadArg { query, detail } => write!(f, "`{query}`: {detail}"),
            QueryError::NoComparison(t) => {
                write!(f, "`{t}` needs a comparison: QUERY (== != < <= > >=) NUMBER-or-QUERY")
            }
            QueryError::Unbound(n) => write!(f, "`{n}` is not bound to a live allocation at this step"),
            QueryError::WrongKind { name, want } => write!(f, "`{name}` does not hold {want}"),
            QueryError::NoCache { name, suggestion } => {
                write!(f, "no cache `{name}` under this slab policy")?;
                if let Some(s) = suggestion {
                    write!(f, "; did you mean `{s}`?")?;
                }
                Ok(())
            }
            QueryError::Policy { query, policy } => write!(f, "`{query}` does not apply to slab={policy}"),
        }
    }
}

/// Every query word, for messages and suggestions.
pub const QUERY_WORDS: &[&str] = &[
    "free_pages",
    "used_pages",
    "pcp_pages",
    "total_pages",
    "nr_free",
    "unusable",
    "largest_free",
    "order",
    "pfn",
    "addr",
    "node",
    "bound",
    "slab",
    "caches",
    "objects",
    "slots",
    "slabs",
    "per_slab",
    "slab_order",
    "size",
    "colour",
    "fast",
    "slow",
    "freelist",
    "depot",
    "superslabs",
    "resident",
    "active_blocks",
    "events",
    "freeptr",
    "fp_offset",
];

struct Args<'a> {
    query: &'static str,
    positional: Vec<&'a str>,
    keyed: Vec<(&'a str, &'a str)>,
}

impl<'a> Args<'a> {
    fn bad(&self, detail: impl Into<String>) -> QueryError {
        QueryError::BadArg { query: self.query, detail: detail.into() }
    }
    fn num<T: TryFrom<u64>>(&self, key: &str) -> Result<Option<T>, QueryError> {
        match self.keyed.iter().find(|(k, _)| *k == key) {
            None => Ok(None),
            Some((_, v)) => crate::script::parse_num(v)
                .and_then(|n| T::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| self.bad(format!("`{key}={v}` is not a valid number"))),
        }
    }
    fn need<T: TryFrom<u64>>(&self, key: &str) -> Result<T, QueryError> {
        self.num(key)?.ok_or_else(|| self.bad(format!("needs `{key}=N`")))
    }
    fn one(&self, what: &str) -> Result<&'a str, QueryError> {
        match self.positional.as_slice() {
            [x] => Ok(x),
            _ => Err(self.bad(format!("needs one {what}"))),
        }
    }
    fn name(&self) -> Result<Ref, QueryError> {
        let s = self.one("name")?;
        parse_ref(s).ok_or_else(|| self.bad(format!("`{s}` is not a name or NAME[i]")))
    }
    fn cache(&self) -> Result<String, QueryError> {
        Ok(self.one("cache name")?.to_string())
    }
    fn check_keys(&self, allowed: &[&str]) -> Result<(), QueryError> {
        for (k, _) in &self.keyed {
            if !allowed.contains(k) {
                return Err(self.bad(format!("takes no `{k}=`")));
            }
        }
        Ok(())
    }
}

fn parse_ref(s: &str) -> Option<Ref> {
    let valid = |n: &str| {
        n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
    };
    match s.split_once('[') {
        None => valid(s).then(|| Ref { name: s.to_string(), index: None }),
        Some((n, rest)) => {
            let i = rest.strip_suffix(']')?.parse().ok()?;
            valid(n).then(|| Ref { name: n.to_string(), index: Some(i) })
        }
    }
}

/// Parse one query, e.g. `nr_free order=3 node=0`.
pub fn parse_query(text: &str) -> Result<Query, QueryError> {
    let mut words = text.split_whitespace();
    let word = words.next().unwrap_or("");
    let Some(&query) = QUERY_WORDS.iter().find(|w| **w == word) else {
        return Err(QueryError::Unknown {
            word: word.to_string(),
            suggestion: crate::suggest::suggest(word, QUERY_WORDS.iter().copied()),
        });
    };
    let mut a = Args { query, positional: Vec::new(), keyed: Vec::new() };
    for w in words {
        match w.split_once('=') {
            Some((k, v)) => a.keyed.push((k, v)),
            None => a.positional.push(w),
        }
    }
    let none = |a: &Args, q: Query| -> Result<Query, QueryError> {
        if !a.positional.is_empty() {
            return Err(a.bad("takes no name"));
        }
        Ok(q)
    };
    let q = match query {
        "free_pages" => none(&a, Query::FreePages)?,
        "used_pages" => none(&a, Query::UsedPages)?,
        "pcp_pages" => none(&a, Query::PcpPages)?,
        "total_pages" => none(&a, Query::TotalPages)?,
        "largest_free" => none(&a, Query::LargestFree)?,
        "caches" => none(&a, Query::Caches)?,
        "resident" => none(&a, Query::Resident)?,
        "nr_free" => {
            a.check_keys(&["order", "node"])?;
            none(&a, Query::NrFree { order: order_arg(&a)?, node: a.num("node")? })?
        }
        "unusable" => {
            a.check_keys(&["order"])?;
            none(&a, Query::Unusable { order: order_arg(&a)? })?
        }
        "superslabs" => {
            a.check_keys(&["size"])?;
            none(&a, Query::SuperSlabs { size: a.num("size")? })?
        }
        "active_blocks" => {
            a.check_keys(&["id"])?;
            none(&a, Query::ActiveBlocks { id: a.need("id")? })?
        }
        "order" | "pfn" | "addr" | "node" | "bound" | "slab" | "colour" | "freeptr" => {
            a.check_keys(&[])?;
            let r = a.name()?;
            match query {
                "order" => Query::Order(r),
                "pfn" => Query::Pfn(r),
                "addr" => Query::Addr(r),
                "node" => Query::NodeOf(r),
                "bound" => Query::Bound(r),
                "slab" => Query::SlabOf(r),
                "freeptr" => Query::FreePtr(r),
                _ => Query::Colour(r),
            }
        }
        "objects" | "slots" | "per_slab" | "slab_order" | "size" | "fp_offset" => {
            a.check_keys(&[])?;
            let c = a.cache()?;
            match query {
                "objects" => Query::Objects(c),
                "slots" => Query::Slots(c),
                "per_slab" => Query::PerSlab(c),
                "slab_order" => Query::SlabOrder(c),
                "fp_offset" => Query::FpOffset(c),
                _ => Query::Size(c),
            }
        }
        "slabs" => {
            a.check_keys(&["list"])?;
            let list = match a.keyed.iter().find(|(k, _)| *k == "list").map(|(_, v)| *v) {
                None | Some("any") => SlabListQ::Any,
                Some("full") => SlabListQ::Full,
                Some("partial" | "node_partial") => SlabListQ::Partial,
                Some("free" | "empty") => SlabListQ::Free,
                Some("cpu") => SlabListQ::Cpu,
                Some("cpu_partial") => SlabListQ::CpuPartial,
                Some(v) => {
                    return Err(a.bad(format!(
                        "`list={v}`: expected any, full, partial, node_partial, free, empty, cpu or cpu_partial"
                    )))
                }
            };
            Query::Slabs { cache: a.cache()?, list }
        }
        "fast" | "slow" => {
            a.check_keys(&["cpu"])?;
            let (cache, cpu) = (a.cache()?, a.num("cpu")?);
            if query == "fast" {
                Query::Fast { cache, cpu }
            } else {
                Query::Slow { cache, cpu }
            }
        }
        "freelist" => {
            a.check_keys(&["cpu"])?;
            Query::Freelist { cache: a.cache()?, cpu: a.num("cpu")?.unwrap_or(0) }
        }
        "depot" => {
            a.check_keys(&["node"])?;
            Query::Depot { cache: a.cache()?, node: a.num("node")?.unwrap_or(0) }
        }
        "events" => {
            a.check_keys(&[])?;
            Query::Events(a.one("message key (e.g. buddy.split)")?.to_string())
        }
        _ => unreachable!("every word in QUERY_WORDS is handled"),
    };
    Ok(q)
}

fn order_arg(a: &Args) -> Result<u8, QueryError> {
    let o: u8 = a.need("order")?;
    if o > 10 {
        return Err(a.bad("order is 0..=10"));
    }
    Ok(o)
}

/// Parse `QUERY CMP OPERAND`.
pub fn parse_expect(text: &str) -> Result<Expect, QueryError> {
    let ops = [("==", Cmp::Eq), ("!=", Cmp::Ne), ("<=", Cmp::Le), (">=", Cmp::Ge), ("<", Cmp::Lt), (">", Cmp::Gt)];
    let found = ops
        .iter()
        .filter_map(|(s, c)| text.find(s).map(|i| (i, *s, *c)))
        .min_by_key(|(i, s, _)| (*i, -(s.len() as i64)));
    let Some((at, s, cmp)) = found else { return Err(QueryError::NoComparison(text.trim().to_string())) };
    let lhs = parse_query(text[..at].trim())?;
    let right = text[at + s.len()..].trim();
    let rhs = match right.strip_prefix('-').unwrap_or(right).parse::<i64>() {
        Ok(n) => Operand::Num(if right.starts_with('-') { -n } else { n }),
        Err(_) => match crate::script::parse_num(right) {
            Some(n) => Operand::Num(n as i64),
            None => Operand::Query(parse_query(right)?),
        },
    };
    Ok(Expect { lhs, cmp, rhs, text: text.trim().to_string() })
}

/// What a query reads: the state at a step and the events of that step.
pub struct Ctx<'a> {
    /// The state.
    pub sim: &'a Sim,
    /// Names.
    pub names: &'a Names,
    /// Events of the step (all ops of the lesson step).
    pub events: &'a [Event],
}

impl Ctx<'_> {
    /// The value a name (or list element) holds.
    pub fn value(&self, r: &Ref) -> Result<Value, QueryError> {
        let unbound = || QueryError::Unbound(r.to_string());
        let sym = self.names.get(&r.name).ok_or_else(unbound)?;
        match (self.sim.bindings.get(sym), r.index) {
            (Some(Binding::One(v)), None) => Ok(*v),
            (Some(Binding::List(l)), Some(i)) => l.get(i).copied().ok_or_else(unbound),
            _ => Err(unbound()),
        }
    }

    /// Like [`Ctx::value`], but a freed name still gives the value it held (a dangling pointer),
    /// so a lesson can point at a freed object.
    pub fn held(&self, r: &Ref) -> Result<Value, QueryError> {
        self.value(r).or_else(|e| match (r.index, self.names.get(&r.name)) {
            (None, Some(sym)) => self.sim.bindings.dangling(sym).ok_or(e),
            _ => Err(e),
        })
    }

    fn cache_id(&self, name: &str) -> Result<u32, QueryError> {
        let slab = &self.sim.slab;
        slab.cache_by_name(name).ok_or_else(|| {
            let names = slab.cache_labels();
            QueryError::NoCache {
                name: name.to_string(),
                suggestion: crate::suggest::suggest(name, names.iter().map(String::as_str)),
            }
        })
    }

    fn policy_err(&self, query: &'static str) -> QueryError {
        QueryError::Policy { query, policy: crate::slab::policy_info(self.sim.slab.policy()).name }
    }

    /// Read a query.
    pub fn eval(&self, q: &Query) -> Result<i64, QueryError> {
        let s = self.sim;
        let st = || s.stats();
        let n = |x: u64| x as i64;
        Ok(match q {
            Query::FreePages => n(st().free_pages),
            Query::UsedPages => n(st().used_pages),
            Query::PcpPages => n(st().pcp_pages),
            Query::TotalPages => n(st().total_pages),
            Query::NrFree { order, node: None } => n(st().nr_free[usize::from(*order)]),
            Query::NrFree { order, node: Some(node) } => {
                if *node >= s.config().nodes {
                    return Err(QueryError::BadArg { query: "nr_free", detail: format!("no node {node}") });
                }
                s.buddy.list(&s.machine, *node, *order).len() as i64
            }
            Query::Unusable { order } => (st().unusable_index[usize::from(*order)] * 100.0).floor() as i64,
            Query::LargestFree => st().nr_free.iter().rposition(|&c| c > 0).map_or(-1, |o| o as i64),
            Query::Order(r) => match self.value(r)? {
                Value::Pages { order, .. } | Value::Large { order, .. } => i64::from(order),
                _ => return Err(QueryError::WrongKind { name: r.to_string(), want: "a block of pages" }),
            },
            Query::Pfn(r) => i64::from(self.pfn_of(r)?),
            Query::Addr(r) => match self.held(r)? {
                Value::Object { addr, .. } | Value::Tiny { addr } => addr as i64,
                Value::Pages { pfn, .. } | Value::Large { pfn, .. } => {
                    crate::slub::virt(u64::from(pfn) << crate::machine::PAGE_SHIFT) as i64
                }
            },
            Query::NodeOf(r) => {
                let pfn = self.pfn_of(r)?;
                i64::from(
                    s.buddy
                        .zones()
                        .iter()
                        .find(|z| pfn >= z.start_pfn && pfn < z.start_pfn + z.pages)
                        .map_or(0, |z| z.node),
                )
            }
            Query::Bound(r) => i64::from(self.value(r).is_ok()),
            Query::SlabOf(r) => {
                let addr = self.object_addr(r)?;
                i64::from(
                    self.slab_containing(addr)
                        .ok_or_else(|| QueryError::WrongKind { name: r.to_string(), want: "an object of a slab" })?,
                )
            }
            Query::Colour(r) => {
                let addr = self.object_addr(r)?;
                if !s.slab.colouring() {
                    return Err(self.policy_err("colour"));
                }
                let pfn = (crate::slub::phys(addr) >> crate::machine::PAGE_SHIFT) as u32;
                i64::from(self.slab_rows().iter().find(|row| row.holds_pfn(pfn)).map_or(0, |row| row.colour))
            }
            Query::Caches => s.slab.cache_count() as i64,
            Query::Objects(c) => n(self.geometry(c)?.live),
            Query::Slots(c) => {
                let id = self.cache_id(c)?;
                let rows = self.slab_rows_for("slots")?;
                rows.iter().filter(|row| row.cache == id).map(|row| row.cells.len() as i64).sum()
            }
            Query::Slabs { cache, list } => self.slabs(cache, *list)?,
            Query::PerSlab(c) => i64::from(self.geometry(c)?.per_slab),
            Query::SlabOrder(c) => i64::from(self.geometry(c)?.order),
            Query::Size(c) => i64::from(self.geometry(c)?.size),
            Query::Fast { cache, cpu } => self.fast_slow(cache, *cpu, true)?,
            Query::Slow { cache, cpu } => self.fast_slow(cache, *cpu, false)?,
            Query::Freelist { cache, cpu } => {
                let id = self.cache_id(cache)?;
                self.check_cpu(*cpu, "freelist")?;
                self.contract(s.slab.cpu_free_count(&s.machine, id, *cpu), "freelist")? as i64
            }
            Query::Depot { cache, node } => {
                let id = self.cache_id(cache)?;
                n(self.contract(s.slab.depot_full(id, *node), "depot")?)
            }
            Query::SuperSlabs { size } => s
                .superslab
                .superslabs
                .values()
                .filter(|ss| size.is_none_or(|b| crate::superslab::class_size(ss.class) == b))
                .count() as i64,
            Query::Resident => n(s.superslab.resident_bytes()),
            Query::ActiveBlocks { id } => s.superslab.superslabs.get(id).map_or(0, |ss| n(ss.total_active_blocks)),
            Query::FreePtr(r) => {
                let v = self.held(r)?;
                let Value::Object { cache, addr } = v else {
                    return Err(QueryError::WrongKind { name: r.to_string(), want: "a slab object" });
                };
                self.contract(s.slab.free_pointer(&s.machine, cache, addr), "freeptr")? as i64
            }
            Query::FpOffset(c) => {
                let id = self.cache_id(c)?;
                i64::from(self.contract(s.slab.fp_offset(id), "fp_offset")?)
            }
            Query::Events(key) => {
                let matches = |k: &str| match key.strip_suffix('*') {
                    Some(prefix) => k.starts_with(prefix),
                    None => k == key,
                };
                self.events.iter().filter(|e| matches(e.message().key)).count() as i64
            }
        })
    }

    fn check_cpu(&self, cpu: u16, query: &'static str) -> Result<(), QueryError> {
        if cpu >= self.sim.config().cpus {
            return Err(QueryError::BadArg { query, detail: format!("no CPU {cpu}") });
        }
        Ok(())
    }

    /// A contract answer, or the typed "not for this policy" error for `query`.
    fn contract<T>(&self, r: Result<T, crate::error::OpError>, query: &'static str) -> Result<T, QueryError> {
        r.map_err(|e| match e {
            crate::error::OpError::NotForPolicy { policy, .. } => QueryError::Policy { query, policy },
            e => QueryError::BadArg { query, detail: e.to_string() },
        })
    }

    fn geometry(&self, name: &str) -> Result<crate::slab::rows::CacheGeometry, QueryError> {
        let id = self.cache_id(name)?;
        self.contract(self.sim.slab.geometry(id), "cache geometry")
    }

    /// The slab rows of the state (see [`crate::layers::slab_rows`]).
    fn slab_rows(&self) -> Vec<crate::layers::SlabRow> {
        crate::layers::slab_rows(self.sim)
    }

    /// The slab rows, or the policy error for `query` when the policy has no slabs of fixed
    /// slots (SLOB).
    fn slab_rows_for(&self, query: &'static str) -> Result<Vec<crate::layers::SlabRow>, QueryError> {
        if self.sim.slab.row_lists().is_empty() {
            return Err(self.policy_err(query));
        }
        Ok(self.slab_rows())
    }

    fn pfn_of(&self, r: &Ref) -> Result<u32, QueryError> {
        Ok(match self.held(r)? {
            Value::Pages { pfn, .. } | Value::Large { pfn, .. } => pfn,
            Value::Object { addr, .. } | Value::Tiny { addr } => {
                (crate::slub::phys(addr) >> crate::machine::PAGE_SHIFT) as u32
            }
        })
    }

    fn object_addr(&self, r: &Ref) -> Result<u64, QueryError> {
        match self.held(r)? {
            Value::Object { addr, .. } => Ok(addr),
            _ => Err(QueryError::WrongKind { name: r.to_string(), want: "a slab object" }),
        }
    }

    fn slab_containing(&self, addr: u64) -> Option<u32> {
        let pfn = (crate::slub::phys(addr) >> crate::machine::PAGE_SHIFT) as u32;
        self.slab_rows().iter().find(|row| row.holds_pfn(pfn)).map(|row| row.pfn)
    }

    fn slabs(&self, cache: &str, list: SlabListQ) -> Result<i64, QueryError> {
        use crate::slab::rows::ListKind;
        let id = self.cache_id(cache)?;
        let (want, query) = match list {
            SlabListQ::Any => (None, "slabs"),
            SlabListQ::Full => (Some(ListKind::Full), "slabs list=full"),
            SlabListQ::Partial => (Some(ListKind::Partial), "slabs list=partial"),
            SlabListQ::Free => (Some(ListKind::Free), "slabs list=free"),
            SlabListQ::Cpu => (Some(ListKind::Cpu), "slabs list=cpu"),
            SlabListQ::CpuPartial => (Some(ListKind::CpuPartial), "slabs list=cpu_partial"),
        };
        let lists = self.sim.slab.row_lists();
        if lists.is_empty() || want.is_some_and(|k| !lists.iter().any(|l| l.kind() == k)) {
            return Err(self.policy_err(query));
        }
        let rows = self.slab_rows();
        Ok(rows.iter().filter(|row| row.cache == id && want.is_none_or(|k| row.list.kind() == k)).count() as i64)
    }

    fn fast_slow(&self, cache: &str, cpu: Option<u16>, fast: bool) -> Result<i64, QueryError> {
        let id = self.cache_id(cache)?;
        if let Some(c) = cpu {
            self.check_cpu(c, if fast { "fast" } else { "slow" })?;
        }
        let mut sum = 0;
        for c in (0..self.sim.config().cpus).filter(|c| cpu.is_none_or(|x| x == *c)) {
            let (f, sl) = self.contract(self.sim.slab.alloc_counts(id, c), "fast/slow")?;
            sum += if fast { f } else { sl } as i64;
        }
        Ok(sum)
    }

    /// Evaluate an expectation: `Ok((holds, lhs, rhs))`.
    pub fn expect(&self, e: &Expect) -> Result<(bool, i64, i64), QueryError> {
        let a = self.eval(&e.lhs)?;
        let b = match &e.rhs {
            Operand::Num(n) => *n,
            Operand::Query(q) => self.eval(q)?,
        };
        Ok((e.cmp.holds(a, b), a, b))
    }

    /// The entity a highlight names: `NAME`, `NAME[i]`, `cache:NAME`, `slab:NAME` (the slab of an
    /// object), `pfn:N`, `cpu:N`, `node:N`, `superslab:N`.
    pub fn entity(&self, spec: &str) -> Result<EntityRef, QueryError> {
        let bad = |detail: String| QueryError::BadArg { query: "highlight", detail };
        let num = |v: &str| crate::script::parse_num(v).ok_or_else(|| bad(format!("`{spec}`: `{v}` is not a number")));
        Ok(match spec.split_once(':') {
            Some(("cache", n)) => EntityRef::Cache { cache: self.cache_id(n)? },
            Some(("slab", n)) => {
                let r = parse_ref(n).ok_or_else(|| bad(format!("`{n}` is not a name")))?;
                let addr = self.object_addr(&r)?;
                let pfn = self.slab_containing(addr).ok_or_else(|| bad(format!("`{n}` is in no slab")))?;
                let Value::Object { cache, .. } = self.held(&r)? else { unreachable!("object_addr checked") };
                EntityRef::Slab { cache, pfn }
            }
            Some(("pfn", v)) => {
                let pfn = num(v)?;
                if pfn >= self.sim.machine.total_pages() as u64 {
                    return Err(bad(format!("`{spec}`: beyond the last page")));
                }
                EntityRef::Page { pfn: pfn as u32 }
            }
            Some(("cpu", v)) => {
                let cpu = num(v)?;
                self.check_cpu(u16::try_from(cpu).unwrap_or(u16::MAX), "highlight")?;
                EntityRef::Cpu { cpu: cpu as u16 }
            }
            Some(("node", v)) => {
                let node = num(v)?;
                if node >= u64::from(self.sim.config().nodes) {
                    return Err(bad(format!("`{spec}`: no such node")));
                }
                EntityRef::Node { node: node as u8 }
            }
            Some(("superslab", v)) => {
                let id = num(v)? as u32;
                if !self.sim.superslab.superslabs.contains_key(&id) {
                    return Err(bad(format!("`{spec}`: no live SuperSlab #{id}")));
                }
                EntityRef::SuperSlab { id }
            }
            Some((k, _)) => {
                return Err(bad(format!("`{k}:`: expected cache:, slab:, pfn:, cpu:, node: or superslab:")))
            }
            None => {
                let r = parse_ref(spec).ok_or_else(|| bad(format!("`{spec}` is not a name")))?;
                match self.held(&r)? {
                    Value::Pages { pfn, order } | Value::Large { pfn, order } => EntityRef::Block { pfn, order },
                    Value::Object { cache, addr } => EntityRef::Object { cache, addr },
                    Value::Tiny { addr } => EntityRef::Tiny { addr },
                }
            }
        })
    }

    /// Object slots of a cache's slabs with whether each is free (available to the next
    /// allocation somewhere: a slab freelist, a CPU freelist or array), in address order.
    pub fn object_slots(&self, cache: &str) -> Result<Vec<(u64, bool)>, QueryError> {
        let id = self.cache_id(cache)?;
        let rows = self.slab_rows_for("object questions")?;
        let mut out: Vec<(u64, bool)> = rows
            .iter()
            .filter(|row| row.cache == id)
            .flat_map(|row| {
                row.cells.iter().enumerate().map(|(i, c)| (row.addr(i as u32), *c != crate::layers::Cell::Used))
            })
            .collect();
        crate::sort::sort(&mut out);
        Ok(out)
    }
}
