//! The generators, one per kind. Each draws a script from the seeded generator, runs it, and reads
//! the answer from the run (events of the asked op, or the state through lesson queries). A
//! generator returns `Err` to have another draft drawn (the machine refused an op, or the draw did
//! not produce the situation the question is about).

use super::{between, pick, query_at, Answer, Choice, Draft, Msg, Run};
use crate::event::{AllocPath, Event, SlowStep};
use crate::lesson::query::Ctx;
use crate::slab::rows::ArrayKind;
use crate::workload::Rng;

/// A `@key` parameter is replaced by that catalogue entry when rendered (a translated word).
fn word(key: &str) -> String {
    format!("@{key}")
}

fn choices(ids: &[&'static str], keys: &[&'static str]) -> Vec<Choice> {
    ids.iter().zip(keys).map(|(&id, &key)| Choice { id, label: Msg::new(key, Vec::new()) }).collect()
}

fn choice_answer(choices: Vec<Choice>, right_id: &str) -> Result<Answer, String> {
    let right = choices.iter().position(|c| c.id == right_id).ok_or_else(|| format!("no choice {right_id}"))?;
    Ok(Answer::Choice { choices, right })
}

/// Keep the ops up to and including op `k` (the asked op), renaming nothing: ops before `k` run
/// exactly as in the longer draft, so the state before it is the same.
fn cut(mut ops: Vec<String>, k: usize) -> Vec<String> {
    ops.truncate(k + 1);
    ops
}

/// Pick, among candidate ops with an outcome class, first a class uniformly among those that
/// occur, then an op of that class: answers stay balanced whatever the allocator's habits.
fn pick_balanced<C: Copy + PartialEq>(rng: &mut Rng, cands: &[(usize, C)]) -> Option<(usize, C)> {
    let mut classes: Vec<C> = Vec::new();
    for &(_, c) in cands {
        if !classes.contains(&c) {
            classes.push(c);
        }
    }
    if classes.is_empty() {
        return None;
    }
    let class = pick(rng, &classes);
    let of: Vec<(usize, C)> = cands.iter().copied().filter(|&(_, c)| c == class).collect();
    Some(pick(rng, &of))
}

// ---- buddy --------------------------------------------------------------------------------

/// Page ops on a machine of `pages` frames: allocations of orders 0..=`max_order` named `p1`,
/// `p2`, … and frees of live ones, at most half of memory in use.
fn page_ops(
    rng: &mut Rng,
    pages: u64,
    n: usize,
    max_order: u8,
    live: &mut Vec<(String, u8)>,
    next: &mut u32,
) -> Vec<String> {
    let mut ops = Vec::new();
    for _ in 0..n {
        let used: u64 = live.iter().map(|(_, o)| 1u64 << o).sum();
        let order = between(rng, 0, u64::from(max_order)) as u8;
        if live.is_empty() || (used + (1 << order) <= pages / 2 && rng.below(100) < 60) {
            *next += 1;
            let name = format!("p{next}");
            ops.push(format!("pages alloc order={order} as={name}"));
            live.push((name, order));
        } else {
            let (name, _) = live.remove(rng.below(live.len() as u64) as usize);
            ops.push(format!("pages free {name}"));
        }
    }
    ops
}

fn buddy_config(pages: u64) -> String {
    format!("mem={}K cpus=1 pcp=off", pages * 4)
}

fn count(events: &[Event], f: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| f(e)).count()
}

/// "After these operations, what is /proc/buddyinfo?"
pub(super) fn buddyinfo(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let (pages, n, max_order) = match level {
        1 => (16, 3, 1),
        2 => (32, 5, 2),
        _ => (64, 8, 3),
    };
    let config = buddy_config(pages);
    let ops = page_ops(rng, pages, n, max_order, &mut Vec::new(), &mut 0);
    let run = Run::new(&config, &ops)?;
    let values =
        (0..=10u8).map(|o| run.query(&format!("nr_free order={o} node=0"))).collect::<Result<Vec<u64>, _>>()?;
    let all: Vec<Event> = run.events.concat();
    let splits = count(&all, |e| matches!(e, Event::BlockSplit { .. }));
    let merges = count(&all, |e| matches!(e, Event::BuddyMerged { .. }));
    let row = values.iter().map(u64::to_string).collect::<Vec<_>>().join(" ");
    Ok(Draft {
        config,
        setup: 0,
        question: Msg::new("ex.q.buddyinfo", vec![("pages", pages.to_string()), ("ops", ops.len().to_string())]),
        ops,
        answer: Answer::Row { values, unordered: false },
        explain: Msg::new(
            "ex.e.buddyinfo",
            vec![("row", row), ("splits", splits.to_string()), ("merges", merges.to_string())],
        ),
    })
}

/// "Which pfn does this allocation return?"
pub(super) fn buddy_pfn(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let (pages, n, max_order) = match level {
        1 => (32, 2, 1),
        2 => (64, 4, 2),
        _ => (128, 7, 3),
    };
    let config = buddy_config(pages);
    let mut ops = page_ops(rng, pages, n, max_order, &mut Vec::new(), &mut 0);
    let order = between(rng, 0, u64::from(max_order));
    ops.push(format!("pages alloc order={order} as=q"));
    let setup = ops.len() - 1;
    let run = Run::new(&config, &ops)?;
    let pfn = run.query("pfn q")?;
    let evs = &run.events[setup];
    let (taken_pfn, taken_order) = evs
        .iter()
        .find_map(|e| match *e {
            Event::BlockTaken { pfn, order, .. } => Some((pfn, order)),
            _ => None,
        })
        .ok_or("the allocation took no block")?;
    let splits = count(evs, |e| matches!(e, Event::BlockSplit { .. }));
    Ok(Draft {
        config,
        question: Msg::new("ex.q.buddy_pfn", vec![("order", order.to_string()), ("op", ops[setup].clone())]),
        ops,
        setup,
        answer: Answer::Number { value: pfn },
        explain: Msg::new(
            "ex.e.buddy_pfn",
            vec![
                ("order", order.to_string()),
                ("taken_order", taken_order.to_string()),
                ("taken_pfn", taken_pfn.to_string()),
                ("splits", splits.to_string()),
                ("pfn", pfn.to_string()),
            ],
        ),
    })
}

/// "Which blocks merge when this block is freed?" (the pfns of the buddies it merges with).
pub(super) fn buddy_merge(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let (pages, n, max_order) = match level {
        1 => (16, 3, 1),
        2 => (32, 6, 2),
        _ => (64, 10, 3),
    };
    let config = buddy_config(pages);
    let mut live = Vec::new();
    let mut ops = page_ops(rng, pages, n, max_order, &mut live, &mut 0);
    if live.is_empty() {
        return Err("no live block to free".into());
    }
    let (name, order) = live[rng.below(live.len() as u64) as usize].clone();
    ops.push(format!("pages free {name}"));
    let setup = ops.len() - 1;
    let run = Run::new(&config, &ops)?;
    let before = run.before(setup);
    let pfn = query_at(&before, &run.session, &format!("pfn {name}"))?;
    let evs = &run.events[setup];
    let buddies: Vec<u64> = evs
        .iter()
        .filter_map(|e| match *e {
            Event::BuddyMerged { buddy_pfn, .. } => Some(u64::from(buddy_pfn)),
            _ => None,
        })
        .collect();
    let (final_pfn, final_order) = evs
        .iter()
        .find_map(|e| match *e {
            Event::BlockInserted { pfn, order, .. } => Some((pfn, order)),
            _ => None,
        })
        .ok_or("the free inserted no block")?;
    let key = if buddies.is_empty() { "ex.e.buddy_merge.none" } else { "ex.e.buddy_merge" };
    let list = if buddies.is_empty() {
        word("ex.none")
    } else {
        buddies.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
    };
    Ok(Draft {
        config,
        question: Msg::new(
            "ex.q.buddy_merge",
            vec![("op", ops[setup].clone()), ("pfn", pfn.to_string()), ("order", order.to_string())],
        ),
        ops,
        setup,
        answer: Answer::Row { values: buddies, unordered: true },
        explain: Msg::new(
            key,
            vec![
                ("pfn", pfn.to_string()),
                ("order", order.to_string()),
                ("buddies", list),
                ("final_pfn", final_pfn.to_string()),
                ("final_order", final_order.to_string()),
            ],
        ),
    })
}

// ---- SLUB -----------------------------------------------------------------------------------

/// A cache `c` and random allocations (`x1`, `x2`, …) and frees of live objects on random CPUs.
fn object_ops(
    rng: &mut Rng,
    cpus: u16,
    n: usize,
    alloc_pct: u64,
    live: &mut Vec<String>,
    next: &mut u32,
    ops: &mut Vec<String>,
) {
    for _ in 0..n {
        let cpu = rng.below(u64::from(cpus));
        if live.is_empty() || rng.below(100) < alloc_pct {
            *next += 1;
            ops.push(format!("cache alloc c cpu={cpu} as=x{next}"));
            live.push(format!("x{next}"));
        } else {
            let name = live.remove(rng.below(live.len() as u64) as usize);
            ops.push(format!("cache free {name} cpu={cpu}"));
        }
    }
}

fn slub_setup(rng: &mut Rng, level: u8) -> (String, u16, Vec<String>, Vec<String>, u32) {
    let cpus: u16 = match level {
        1 => 1,
        2 => 2,
        _ => 4,
    };
    let size = pick(rng, &[512u32, 1024, 2048]);
    let config = format!("mem=2M cpus={cpus}");
    let ops = vec![format!("cache create c size={size}")];
    (config, cpus, ops, Vec::new(), 0)
}

/// The path word of an allocation event.
fn path_id(p: AllocPath) -> Option<&'static str> {
    Some(match p {
        AllocPath::Fast => "fast",
        AllocPath::CpuSlab => "cpu_slab",
        AllocPath::CpuPartial => "cpu_partial",
        AllocPath::NodePartial => "node_partial",
        AllocPath::RemoteNode => "remote_node",
        AllocPath::NewSlab => "new_slab",
        _ => return None,
    })
}

fn alloc_path(events: &[Event]) -> Option<(AllocPath, u64)> {
    events.iter().rev().find_map(|e| match *e {
        Event::ObjectAlloc { path, addr, .. } => Some((path, addr)),
        _ => None,
    })
}

/// "Which object does the next allocation on CPU N return?"
pub(super) fn slub_object(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let (config, cpus, mut ops, mut live, mut next) = slub_setup(rng, level);
    let n = [6, 10, 16][usize::from(level - 1)];
    object_ops(rng, cpus, n, 60, &mut live, &mut next, &mut ops);
    let cpu = rng.below(u64::from(cpus));
    ops.push(format!("cache alloc c cpu={cpu} as=q"));
    let setup = ops.len() - 1;
    let run = Run::new(&config, &ops)?;
    let before = run.before(setup);
    let ctx = Ctx { sim: &before, names: run.session.names(), events: &[] };
    let candidates: Vec<u64> = ctx.object_slots("c").map_err(|e| e.to_string())?.into_iter().map(|(a, _)| a).collect();
    let addr = run.query("addr q")?;
    if !candidates.contains(&addr) {
        return Err("the allocation needs a new slab (its object is not on screen yet)".into());
    }
    let (path, _) = alloc_path(&run.events[setup]).ok_or("no allocation event")?;
    let path = path_id(path).ok_or("debug path")?;
    Ok(Draft {
        config,
        question: Msg::new("ex.q.slub_object", vec![("cpu", cpu.to_string()), ("op", ops[setup].clone())]),
        ops,
        setup,
        answer: Answer::Object { cache: "c".into(), candidates, addr },
        explain: Msg::new(
            "ex.e.slub_object",
            vec![("cpu", cpu.to_string()), ("addr", format!("{addr:#x}")), ("path", word(&format!("ex.path.{path}")))],
        ),
    })
}

/// "Fast or slow path?" (level 1), "which path?" (levels 2–3).
pub(super) fn slub_path(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let (config, cpus, mut ops, mut live, mut next) = slub_setup(rng, level);
    // A burst of allocations fills slabs; then mixed frees and allocations move slabs between
    // the cpu slab, the CPU partial and node partial lists.
    let burst = between(rng, 10, 40) as usize;
    object_ops(rng, cpus, burst, 100, &mut live, &mut next, &mut ops);
    let n = [12, 24, 36][usize::from(level - 1)];
    object_ops(rng, cpus, n, 45, &mut live, &mut next, &mut ops);
    let run = Run::new(&config, &ops)?;
    let coarse = |id: &'static str| if level == 1 && id != "fast" { "slow" } else { id };
    let cands: Vec<(usize, &'static str)> = (1..ops.len())
        .filter_map(|k| alloc_path(&run.events[k]).and_then(|(p, _)| path_id(p)).map(|id| (k, coarse(id))))
        .collect();
    let (k, _) = pick_balanced(rng, &cands).ok_or("no allocation")?;
    let ops = cut(ops, k);
    let run = Run::new(&config, &ops)?;
    let (path, addr) = alloc_path(&run.events[k]).ok_or("no allocation event")?;
    let exact = path_id(path).ok_or("debug path")?;
    let list: &[(&str, &str)] = if level == 1 {
        &[("fast", "ex.path.fast"), ("slow", "ex.path.slow")]
    } else {
        &[
            ("fast", "ex.path.fast"),
            ("cpu_slab", "ex.path.cpu_slab"),
            ("cpu_partial", "ex.path.cpu_partial"),
            ("node_partial", "ex.path.node_partial"),
            ("new_slab", "ex.path.new_slab"),
        ]
    };
    let ids: Vec<&'static str> = list.iter().map(|c| c.0).collect();
    let keys: Vec<&'static str> = list.iter().map(|c| c.1).collect();
    let steps: Vec<String> = run.events[k]
        .iter()
        .filter_map(|e| match e {
            Event::SlowPath { step, .. } => Some(word(match step {
                SlowStep::CpuFreelistEmpty => "ex.slow.cpu_freelist_empty",
                SlowStep::CpuSlabFull => "ex.slow.cpu_slab_full",
                SlowStep::NodeMismatch => "ex.slow.node_mismatch",
                SlowStep::NeedNewSlab => "ex.slow.need_new_slab",
                SlowStep::CpuPartialFull => "ex.slow.cpu_partial_full",
            })),
            _ => None,
        })
        .collect();
    Ok(Draft {
        config,
        question: Msg::new("ex.q.slub_path", vec![("op", ops[k].clone())]),
        answer: choice_answer(choices(&ids, &keys), coarse(exact))?,
        explain: Msg::new(
            "ex.e.slub_path",
            vec![
                ("path", word(&format!("ex.path.{exact}"))),
                ("addr", format!("{addr:#x}")),
                ("steps", if steps.is_empty() { word("ex.none") } else { steps.join(", ") }),
            ],
        ),
        ops,
        setup: k,
    })
}

/// "How many slabs are on the node partial list after these frees?"
pub(super) fn slub_node_partial(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let cpus: u16 = if level == 3 { 2 } else { 1 };
    // Few objects per slab and a one-slab CPU partial list (cpu_partial_slabs), so frees into
    // several full slabs overflow it onto the node partial list.
    let size = pick(rng, &[2048u32, 4096]);
    let config = format!("mem=2M cpus={cpus}");
    let mut ops = vec![format!("cache create c size={size}")];
    let (mut live, mut next) = (Vec::new(), 0);
    let n = between(rng, 20, [30, 45, 60][usize::from(level - 1)]) as usize;
    object_ops(rng, cpus, n, 100, &mut live, &mut next, &mut ops);
    let setup = ops.len();
    let frees = [3, 6, 10][usize::from(level - 1)].min(live.len());
    if frees == 0 {
        return Err("nothing to free".into());
    }
    for _ in 0..frees {
        let cpu = rng.below(u64::from(cpus));
        let name = live.remove(rng.below(live.len() as u64) as usize);
        ops.push(format!("cache free {name} cpu={cpu}"));
    }
    let run = Run::new(&config, &ops)?;
    let value = run.query("slabs c list=node_partial")?;
    let after: Vec<Event> = run.events[setup..].concat();
    let added = count(&after, |e| matches!(e, Event::NodePartialAdd { .. }));
    let removed = count(&after, |e| matches!(e, Event::NodePartialRemove { .. }));
    let cpu_partial = count(&after, |e| matches!(e, Event::CpuPartialPush { .. }));
    let discarded = count(&after, |e| matches!(e, Event::SlabDiscard { .. }));
    let before = query_at(&run.before(setup), &run.session, "slabs c list=node_partial")?;
    Ok(Draft {
        config,
        question: Msg::new(
            "ex.q.slub_node_partial",
            vec![("frees", frees.to_string()), ("before", before.to_string())],
        ),
        ops,
        setup,
        answer: Answer::Number { value },
        explain: Msg::new(
            "ex.e.slub_node_partial",
            vec![
                ("before", before.to_string()),
                ("added", added.to_string()),
                ("removed", removed.to_string()),
                ("cpu_partial", cpu_partial.to_string()),
                ("discarded", discarded.to_string()),
                ("value", value.to_string()),
            ],
        ),
    })
}

// ---- classic SLAB --------------------------------------------------------------------------

/// The slabs of cache `c` (classic SLAB), by pfn: pfn, list, active objects (from the
/// policy-neutral slab rows).
fn classic_slabs(sim: &crate::sim::Sim) -> Vec<(u32, &'static str, u32)> {
    use crate::layers::RowList;
    let Some(id) = sim.slab.cache_by_name("c") else { return Vec::new() };
    let mut out: Vec<(u32, &'static str, u32)> = crate::layers::slab_rows(sim)
        .iter()
        .filter(|r| r.cache == id)
        .filter_map(|r| {
            let list = match r.list {
                RowList::SlabsFull => "full",
                RowList::SlabsPartial => "partial",
                RowList::SlabsFree => "free",
                _ => return None,
            };
            Some((r.pfn, list, (r.cells.len() - r.freelist.len()) as u32))
        })
        .collect();
    crate::sort::sort_by_key(&mut out, |s| s.0);
    out
}

/// "Which list is this slab on now?"
pub(super) fn slab_list(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let cpus: u16 = if level == 1 { 1 } else { 2 };
    let size = pick(rng, &[1024u32, 2048]);
    let config = format!("mem=2M slab=slab cpus={cpus}");
    let mut ops = vec![format!("cache create c size={size}")];
    let (mut live, mut next) = (Vec::new(), 0);
    let n = between(rng, 20, 60) as usize;
    object_ops(rng, cpus, n, 100, &mut live, &mut next, &mut ops);
    let setup = ops.len();
    // Frees fill the CPU arrays first; only a full array flushes a batch back to the slabs (or
    // `reap` drains arrays that were not touched since the last reap).
    let frees = between(rng, 8, live.len() as u64) as usize;
    for i in 0..frees {
        let cpu = rng.below(u64::from(cpus));
        let name = live.remove(rng.below(live.len() as u64) as usize);
        ops.push(format!("cache free {name} cpu={cpu}"));
        if level >= 2 && rng.below(12) == 0 || (level == 3 && i + 1 == frees) {
            ops.push("reap".into());
        }
    }
    let run = Run::new(&config, &ops)?;
    let before = classic_slabs(&run.before(setup));
    let after = classic_slabs(run.session.head());
    let cands: Vec<(usize, &'static str)> =
        after.iter().enumerate().filter(|(_, s)| before.iter().any(|b| b.0 == s.0)).map(|(i, s)| (i, s.1)).collect();
    let (i, list) = pick_balanced(rng, &cands).ok_or("no slab lives through the ops")?;
    let (pfn, _, active) = after[i];
    let was = before.iter().find(|b| b.0 == pfn).map(|b| b.1).unwrap_or("free");
    let num = query_at(run.session.head(), &run.session, "per_slab c")?;
    let ids = ["full", "partial", "free"];
    let keys = ["ex.list.full", "ex.list.partial", "ex.list.free"];
    Ok(Draft {
        config,
        question: Msg::new(
            "ex.q.slab_list",
            vec![
                ("pfn", pfn.to_string()),
                ("was", word(&format!("ex.list.{was}"))),
                ("ops", (ops.len() - setup).to_string()),
            ],
        ),
        ops,
        setup,
        answer: choice_answer(choices(&ids, &keys), list)?,
        explain: Msg::new(
            "ex.e.slab_list",
            vec![
                ("pfn", pfn.to_string()),
                ("active", active.to_string()),
                ("num", num.to_string()),
                ("list", word(&format!("ex.list.{list}"))),
            ],
        ),
    })
}

/// "What colour offset does the next slab get?"
pub(super) fn slab_colour(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let size = pick(rng, &[320u32, 400, 448, 576, 704, 832, 960, 1100, 1500, 1800]);
    let config = "mem=1M slab=slab cpus=1".to_string();
    let mut ops = vec![format!("cache create c size={size}")];
    let run = Run::new(&config, &ops)?;
    let slab = &run.session.head().slab;
    let g = slab.geometry(slab.cache_by_name("c").ok_or("no cache c")?).map_err(|e| e.to_string())?;
    let (colours, colour_off, num) = (g.colours, g.colour_step, g.per_slab);
    let batch = g.batch.ok_or("no array-cache batch")?;
    if colours < 2 {
        return Err(format!("size {size}: only {colours} colour"));
    }
    let most = match level {
        1 => 1,
        2 => colours - 1,
        _ => colours + 1,
    };
    // Enough allocations for `most + 1` new slabs.
    let allocs = (most + 2) * num + batch;
    ops.extend((1..=allocs).map(|i| format!("cache alloc c as=x{i}")));
    let run = Run::new(&config, &ops)?;
    let grows: Vec<(usize, u32)> = (0..ops.len())
        .filter_map(|k| {
            run.events[k].iter().find_map(|e| match *e {
                Event::ClassicGrow { colour_offset, .. } => Some((k, colour_offset)),
                _ => None,
            })
        })
        .collect();
    let made = between(rng, 0, (most as usize).min(grows.len().saturating_sub(1)) as u64) as usize;
    let (k, offset) = grows[made];
    let ops = cut(ops, k);
    let run = Run::new(&config, &ops)?;
    let check = query_at(run.session.head(), &run.session, &format!("colour x{k}"))?;
    if check != u64::from(offset) {
        return Err(format!("colour query {check} differs from the grow event {offset}"));
    }
    let prev = if made == 0 { word("ex.none") } else { grows[made - 1].1.to_string() };
    Ok(Draft {
        config,
        question: Msg::new(
            "ex.q.slab_colour",
            vec![
                ("size", size.to_string()),
                ("colours", colours.to_string()),
                ("colour_off", colour_off.to_string()),
                ("made", made.to_string()),
            ],
        ),
        ops,
        setup: k,
        answer: Answer::Number { value: u64::from(offset) },
        explain: Msg::new(
            "ex.e.slab_colour",
            vec![
                ("prev", prev),
                ("colours", colours.to_string()),
                ("colour_off", colour_off.to_string()),
                ("next", (offset / colour_off).to_string()),
                ("offset", offset.to_string()),
            ],
        ),
    })
}

// ---- per-CPU arrays -------------------------------------------------------------------------

/// Where a free went, from its events.
fn free_dest(events: &[Event]) -> &'static str {
    let mut dest = "loaded";
    for e in events {
        match e {
            Event::SheafSpareFlushed { .. } => return "slab",
            Event::DepotEmpty { .. } => dest = "depot",
            Event::ArrSwap { .. } | Event::SheafSpareNew { .. } => dest = "swap",
            _ => {}
        }
    }
    dest
}

/// "Does this free go to the magazine, the depot or the slab?"
pub(super) fn percpu_free(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let sheaves = level == 3;
    let cpus: u16 = if level == 1 { 1 } else { 2 };
    let config = if sheaves {
        format!("mem=2M slab=sheaves cpus={cpus}")
    } else {
        format!("mem=2M percpu=magazine cpus={cpus}")
    };
    let mut ops = vec!["cache create c size=1024".to_string()];
    let (mut live, mut next) = (Vec::new(), 0u32);
    for _ in 0..between(rng, 2, 3) {
        let cpu = rng.below(u64::from(cpus));
        for _ in 0..between(rng, 8, 60) {
            next += 1;
            ops.push(format!("cache alloc c cpu={cpu} as=x{next}"));
            live.push(format!("x{next}"));
        }
        for _ in 0..between(rng, 8, live.len() as u64) {
            let cpu = rng.below(u64::from(cpus));
            let name = live.remove(rng.below(live.len() as u64) as usize);
            ops.push(format!("cache free {name} cpu={cpu}"));
        }
    }
    let run = Run::new(&config, &ops)?;
    let cands: Vec<(usize, &'static str)> =
        (1..ops.len()).filter(|&k| ops[k].starts_with("cache free")).map(|k| (k, free_dest(&run.events[k]))).collect();
    let (k, dest) = pick_balanced(rng, &cands).ok_or("no free")?;
    let ops = cut(ops, k);
    let run = Run::new(&config, &ops)?;
    if free_dest(&run.events[k]) != dest {
        return Err("the cut script frees differently".into());
    }
    let cpu: u16 = ops[k].rsplit("cpu=").next().and_then(|c| c.parse().ok()).ok_or("no cpu")?;
    let before = run.before(k);
    let cache = before.slab.cache_by_name("c").ok_or("no cache c")?;
    // The front end's arrays from the policy-neutral rows: its loaded magazine or main sheaf and
    // its previous magazine or spare sheaf.
    let (main_kind, spare_kind) = if sheaves {
        (ArrayKind::SheafMain, ArrayKind::SheafSpare)
    } else {
        (ArrayKind::MagazineLoaded, ArrayKind::MagazinePrevious)
    };
    let row = before.slab.cpu_rows(&before.machine).into_iter().find(|r| r.cache == cache && r.cpu == cpu);
    let array = |kind| row.as_ref().and_then(|r| r.arrays.iter().find(|a| a.kind == kind)).ok_or("no arrays");
    let main = array(main_kind)?.objects.as_ref().map_or(0, Vec::len);
    let spare = array(spare_kind)?.objects.as_ref().map_or(word("ex.none"), |s| s.len().to_string());
    // One node here: the magazine depot (global) and the barn of node 0 are both node 0.
    let depot = before.slab.node_rows(&before.machine).into_iter().find(|r| r.cache == cache && r.node == 0);
    let cap = before.slab.array_capacity(cache).map_err(|e| e.to_string())?;
    let (p, ids) = if sheaves { ("sheaf", "ex.q.percpu_free.sheaf") } else { ("mag", "ex.q.percpu_free.mag") };
    let keys: Vec<&'static str> = match p {
        "sheaf" => vec!["ex.free.sheaf.loaded", "ex.free.sheaf.swap", "ex.free.sheaf.depot", "ex.free.sheaf.slab"],
        _ => vec!["ex.free.mag.loaded", "ex.free.mag.swap", "ex.free.mag.depot", "ex.free.mag.slab"],
    };
    let explain = if sheaves { format!("ex.free.sheaf.why.{dest}") } else { format!("ex.free.mag.why.{dest}") };
    Ok(Draft {
        config,
        question: Msg::new(
            ids,
            vec![
                ("op", ops[k].clone()),
                ("cpu", cpu.to_string()),
                ("main", main.to_string()),
                ("cap", cap.to_string()),
                ("spare", spare),
                ("full", depot.as_ref().map_or(0, |d| d.full).to_string()),
                ("empty", depot.as_ref().map_or(0, |d| d.empty).to_string()),
            ],
        ),
        answer: choice_answer(choices(&["loaded", "swap", "depot", "slab"], &keys), dest)?,
        explain: Msg::new("ex.e.percpu_free", vec![("why", word(&explain)), ("cap", cap.to_string())]),
        ops,
        setup: k,
    })
}

// ---- SuperSlab ------------------------------------------------------------------------------

/// "Is this SuperSlab returned now?" with `superslab_release` on or off.
pub(super) fn superslab_release(rng: &mut Rng, level: u8) -> Result<Draft, String> {
    let threads = [1u64, 2, 4][usize::from(level - 1)];
    let sizes: &[u32] = if level == 3 { &[16, 32] } else { &[16] };
    let want_yes = rng.below(2) == 0;
    let release = want_yes || rng.below(2) == 0;
    let config = format!("mem=8M cpus={threads} superslab_release={}", if release { "on" } else { "off" });
    let mut ops = Vec::new();
    let mut live = Vec::new();
    let n = between(rng, 2, [3, 6, 10][usize::from(level - 1)]);
    for i in 1..=n {
        let t = rng.below(threads);
        ops.push(format!("malloc {} thread={t} as=b{i}", pick(rng, sizes)));
        live.push(format!("b{i}"));
    }
    while !live.is_empty() {
        let name = live.remove(rng.below(live.len() as u64) as usize);
        ops.push(format!("free {name} thread={}", rng.below(threads)));
    }
    let run = Run::new(&config, &ops)?;
    let died = |evs: &[Event]| evs.iter().any(|e| matches!(e, Event::SsDeath { .. }));
    let cands: Vec<usize> =
        (0..ops.len()).filter(|&k| ops[k].starts_with("free") && died(&run.events[k]) == want_yes).collect();
    if cands.is_empty() {
        return Err("no free of the wanted outcome".into());
    }
    let k = pick(rng, &cands);
    let ops = cut(ops, k);
    let run = Run::new(&config, &ops)?;
    let yes = died(&run.events[k]);
    let name = ops[k].split_whitespace().nth(1).ok_or("no name")?.to_string();
    let before = run.before(k);
    let addr = query_at(&before, &run.session, &format!("addr {name}"))?;
    let ss = before.superslab.owner_of(addr).ok_or("block in no SuperSlab")?;
    let (id, active) = (ss.id, ss.total_active_blocks);
    let why = match (yes, release, active) {
        (true, _, _) => "ex.ss.why.returned",
        (false, false, 1) => "ex.ss.why.off",
        (false, true, 1) => return Err("an emptied SuperSlab stayed with release on".into()),
        (false, _, _) => "ex.ss.why.active",
    };
    Ok(Draft {
        config,
        question: Msg::new(
            "ex.q.superslab_release",
            vec![
                ("op", ops[k].clone()),
                ("id", id.to_string()),
                ("active", active.to_string()),
                ("release", word(if release { "ex.on" } else { "ex.off" })),
            ],
        ),
        answer: choice_answer(choices(&["yes", "no"], &["ex.yes", "ex.no"]), if yes { "yes" } else { "no" })?,
        explain: Msg::new(
            "ex.e.superslab_release",
            vec![("why", word(why)), ("id", id.to_string()), ("active", (active - 1).to_string())],
        ),
        ops,
        setup: k,
    })
}
