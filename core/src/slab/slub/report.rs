//! SLUB reports: the `slabinfo` tool, sysfs files, the leak report and `/proc/slabinfo`.

use super::*;
use crate::slab::rows::{ArrayKind, CounterKind, CpuRow, ObjectArray};

impl Slub {
    pub(super) fn counts(&self, c: &Cache) -> (u64, u64, u64, u64, u64) {
        // (slabs, total objects, in-use objects as sysfs `objects`, node partial slabs, cpu slabs)
        let slabs: u64 = c.nodes.iter().map(|n| n.nr_slabs).sum();
        let total: u64 = c.nodes.iter().map(|n| n.total_objects).sum();
        let free: u64 = c
            .nodes
            .iter()
            .flat_map(|n| n.partial.iter())
            .map(|p| u64::from(self.slabs[p].objects - self.slabs[p].inuse))
            .sum();
        let partial: u64 = c.nodes.iter().map(|n| n.partial.len() as u64).sum();
        let cpu_slabs: u64 = c.cpus.iter().map(|cs| u64::from(cs.slab.is_some()) + cs.partial.len() as u64).sum();
        (slabs, total, total - free, partial, cpu_slabs)
    }

    /// `tools/mm/slabinfo` default output: one line per cache (aliases marked `*`).
    pub fn slabinfo_tool(&self) -> String {
        fn store_size(value: u64) -> String {
            let (divisor, trailer) = if value > 1_000_000_000 {
                (100_000_000, Some('G'))
            } else if value > 1_000_000 {
                (100_000, Some('M'))
            } else if value > 1000 {
                (100, Some('K'))
            } else {
                (1, None)
            };
            let mut s = (value / divisor).to_string();
            if let Some(t) = trailer {
                s.push(t);
                // Insert the decimal point before the last digit (the memmove in store_size).
                let n = s.len();
                s.insert(n - 2, '.');
            }
            s
        }
        let mut out =
            String::from("Name                   Objects Objsize           Space Slabs/Part/Cpu  O/S O %Fr %Ef Flg\n");
        let mut caches: Vec<&Cache> = self.caches.iter().filter(|c| !c.destroyed).collect();
        crate::sort::sort_by(&mut caches, |a, b| a.name.cmp(&b.name));
        for c in caches {
            let (slabs, _total, objects, partial, cpu_slabs) = self.counts(c);
            let space = slabs * (PAGE_SIZE << c.order);
            let mut flags = String::new();
            for (on, ch) in [
                (c.refcount > 1, '*'),
                (c.flags.has(CacheFlags::HWCACHE), 'A'),
                (c.flags.has(CacheFlags::POISON), 'P'),
                (c.flags.has(CacheFlags::REDZONE), 'Z'),
                (c.flags.has(CacheFlags::CHECKS), 'F'),
                (c.flags.has(CacheFlags::USER), 'U'),
            ] {
                if on {
                    flags.push(ch);
                }
            }
            let dist = format!("{}/{}/{}", slabs.saturating_sub(cpu_slabs), partial, cpu_slabs);
            let fr = (partial * 100).checked_div(slabs).unwrap_or(100);
            let ef = if slabs > 0 { objects * u64::from(c.layout.object_size) * 100 / space } else { 100 };
            out.push_str(&format!(
                "{:<21} {:>8} {:>7} {:>15} {:>14} {:>4} {:>1} {:>3} {:>3} {}\n",
                c.name,
                objects,
                c.layout.object_size,
                store_size(space),
                dist,
                c.objects,
                c.order,
                fr,
                ef,
                flags
            ));
        }
        out
    }

    /// The attribute files of `/sys/kernel/slab/<cache>/`, as `file: value` lines.
    pub fn sysfs(&self, cache: u32) -> String {
        let c = &self.caches[cache as usize];
        let (slabs, total, objects, partial, cpu_slabs) = self.counts(c);
        let objects_partial: u64 =
            c.nodes.iter().flat_map(|n| n.partial.iter()).map(|p| u64::from(self.slabs[p].inuse)).sum();
        let b = |f: CacheFlags| u8::from(c.flags.has(f));
        let attrs: Vec<(&str, String)> = vec![
            ("aliases", (c.refcount - 1).to_string()),
            ("align", c.layout.align.to_string()),
            ("cpu_partial", c.cpu_partial.to_string()),
            ("cpu_slabs", cpu_slabs.to_string()),
            ("hwcache_align", b(CacheFlags::HWCACHE).to_string()),
            ("min_partial", c.min_partial.to_string()),
            ("object_size", c.layout.object_size.to_string()),
            ("objects", objects.to_string()),
            ("objects_partial", objects_partial.to_string()),
            ("objs_per_slab", c.objects.to_string()),
            ("order", c.order.to_string()),
            ("partial", partial.to_string()),
            ("poison", b(CacheFlags::POISON).to_string()),
            ("red_zone", b(CacheFlags::REDZONE).to_string()),
            ("sanity_checks", b(CacheFlags::CHECKS).to_string()),
            ("slab_size", c.layout.size.to_string()),
            ("slabs", slabs.to_string()),
            ("store_user", b(CacheFlags::USER).to_string()),
            ("total_objects", total.to_string()),
        ];
        let mut out = format!("/sys/kernel/slab/{}/\n", c.name);
        for (k, v) in attrs {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out
    }

    /// Live objects grouped by cache and allocation site (script line), as a leak report.
    pub fn leak_report(&self) -> String {
        let mut by: BTreeMap<(u32, u32), u64> = BTreeMap::new();
        for (&addr, &site) in &self.sites {
            if let Some(s) = self.slab_of(addr) {
                *by.entry((s.cache, site)).or_default() += 1;
            }
        }
        let mut out = String::new();
        for ((cache, site), n) in by {
            out.push_str(&format!("{:<17} {n:>6} object(s) allocated at line {site}\n", self.cache_name(cache)));
        }
        if out.is_empty() {
            out.push_str("no live slab objects\n");
        }
        out
    }

    // ---- reporting -------------------------------------------------------------------------

    /// `/proc/slabinfo` in the kernel's format (newest cache first, kmalloc caches last).
    pub fn slabinfo(&self) -> String {
        let mut s = crate::slab::slabinfo_header();
        for c in self.caches.iter().rev().filter(|c| !c.destroyed) {
            let nr_slabs: u64 = c.nodes.iter().map(|n| n.nr_slabs).sum();
            let nr_objs: u64 = c.nodes.iter().map(|n| n.total_objects).sum();
            let nr_free: u64 = c
                .nodes
                .iter()
                .flat_map(|n| n.partial.iter())
                .map(|p| {
                    let sl = &self.slabs[p];
                    u64::from(sl.objects - sl.inuse)
                })
                .sum();
            s.push_str(&format!(
                "{:<17} {:>6} {:>6} {:>6} {:>4} {:>4} : tunables {:>4} {:>4} {:>4} : slabdata {:>6} {:>6} {:>6}\n",
                c.name,
                nr_objs - nr_free,
                nr_objs,
                c.layout.size,
                c.objects,
                1u32 << c.order,
                0,
                0,
                0,
                nr_slabs,
                nr_slabs,
                0
            ));
        }
        s
    }

    /// Per-CPU rows (see [`crate::slab::rows`]): the cpu slab, its lockless freelist read from
    /// memory, the cpu partial slabs and the fast/slow counters of every live cache.
    pub fn cpu_rows(&self, m: &Machine) -> Vec<CpuRow> {
        let mut out = Vec::new();
        for c in self.caches.iter().filter(|c| !c.destroyed) {
            for (cpu, cs) in c.cpus.iter().enumerate() {
                let freelist = cs.slab.map_or(Vec::new(), |p| self.walk_freelist(m, c.id, p, cs.freelist));
                let partial = cs.partial.iter().map(|&p| u64::from(p)).collect();
                out.push(CpuRow {
                    cpu_slab: Some(cs.slab),
                    arrays: vec![
                        ObjectArray { kind: ArrayKind::CpuFreelist, objects: Some(freelist), limit: None },
                        ObjectArray { kind: ArrayKind::CpuPartial, objects: Some(partial), limit: None },
                    ],
                    counters: vec![
                        (CounterKind::AllocFast, cs.alloc_fast),
                        (CounterKind::AllocSlow, cs.alloc_slow),
                        (CounterKind::FreeFast, cs.free_fast),
                        (CounterKind::FreeSlow, cs.free_slow),
                    ],
                    ..CpuRow::new(c.id, cpu as u16)
                });
            }
        }
        out
    }
}
