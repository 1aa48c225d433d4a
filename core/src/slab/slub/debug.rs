//! slub_debug: object initialisation, byte checks, `validate`, and the kernel log text of its reports (`print_trailer`, `slab_bug`).

use super::*;

impl Slub {
    // ---- slub_debug ------------------------------------------------------------------------

    pub(crate) fn info_end(l: &Layout) -> u32 {
        if l.freeptr_outside() {
            l.inuse + WORD
        } else {
            l.inuse
        }
    }

    /// The kmalloc request size stored after the tracks (store-user kmalloc caches), else the
    /// object size (`ksize`).
    pub fn orig_size(&self, m: &Machine, cache: u32, obj: u64) -> u32 {
        let c = &self.caches[cache as usize];
        if !(c.flags.has(CacheFlags::USER) && c.flags.has(CacheFlags::KMALLOC)) {
            return c.layout.object_size;
        }
        let mut b = [0u8; 4];
        m.mem.read(phys(obj + u64::from(Self::info_end(&c.layout) + 2 * TRACK_SIZE)), &mut b);
        u32::from_le_bytes(b)
    }

    /// `init_object` (+ `set_track` and `set_orig_size` when `track` is given): red zones,
    /// poison, the alloc or free track and the request size, written into simulated memory.
    pub(super) fn init_object(
        &self,
        m: &mut Machine,
        cache: u32,
        obj: u64,
        active: bool,
        track: Option<(u16, u32, u32)>,
    ) {
        let c = &self.caches[cache as usize];
        let l = c.layout;
        let val = if active { RED_ACTIVE } else { RED_INACTIVE };
        let kmalloc_user = c.flags.has(CacheFlags::USER) && c.flags.has(CacheFlags::KMALLOC);
        if let Some((cpu, site, orig)) = track {
            if c.flags.has(CacheFlags::USER) {
                // struct track { addr; handle; cpu; pid; when }: the script line stands for addr.
                let mut t = [0u8; TRACK_SIZE as usize];
                t[0..8].copy_from_slice(&u64::from(site).to_le_bytes());
                t[12..16].copy_from_slice(&u32::from(cpu).to_le_bytes());
                let at = obj + u64::from(Self::info_end(&l)) + if active { 0 } else { u64::from(TRACK_SIZE) };
                m.mem.write(phys(at), &t);
            }
            if kmalloc_user && active {
                let at = obj + u64::from(Self::info_end(&l) + 2 * TRACK_SIZE);
                m.mem.write(phys(at), &orig.to_le_bytes());
            }
        }
        let mut poison_size = l.object_size;
        if c.flags.has(CacheFlags::REDZONE) {
            m.mem.write(phys(obj - u64::from(l.red_left_pad)), &vec![val; l.red_left_pad as usize]);
            if kmalloc_user && active {
                poison_size = self.orig_size(m, cache, obj).min(l.object_size);
            }
        }
        if c.flags.has(CacheFlags::POISON) && poison_size > 0 {
            let mut p = vec![POISON_FREE; poison_size as usize];
            *p.last_mut().expect("non-empty") = POISON_END;
            m.mem.write(phys(obj), &p);
        }
        if c.flags.has(CacheFlags::REDZONE) && l.inuse > poison_size {
            m.mem.write(phys(obj + u64::from(poison_size)), &vec![val; (l.inuse - poison_size) as usize]);
        }
    }

    /// The slab's base address (`slab_address`).
    pub(super) fn slab_base(pfn: u32) -> u64 {
        virt(u64::from(pfn) << PAGE_SHIFT)
    }

    /// `print_slab_info`: the slab as it is now.
    pub(super) fn slab_info(&self, pfn: u32) -> SlabInfo {
        let s = &self.slabs[&pfn];
        SlabInfo { pfn, order: s.order, node: s.node, objects: s.objects, inuse: s.inuse, freelist: s.freelist }
    }

    /// End of the metadata after the object, as `check_pad_bytes` and `print_trailer` compute
    /// it: `get_info_end` + the two tracks (+ `orig_size` for kmalloc caches), from the object.
    pub(super) fn metadata_end(c: &Cache) -> u32 {
        let mut off = Self::info_end(&c.layout);
        if c.flags.has(CacheFlags::USER) {
            off += 2 * TRACK_SIZE + if c.flags.has(CacheFlags::KMALLOC) { 4 } else { 0 };
        }
        off
    }

    /// `size_from_object`: the slot without the left red zone.
    pub(super) fn size_from_object(l: &Layout) -> u32 {
        l.size - l.red_left_pad
    }

    /// One `slab_bug` block: for `object_err` (`obj` given: `print_trailer`, whose bytes are
    /// read now, before any FIX) or `slab_err` (`print_slab_info` only).
    pub(super) fn bug_report(
        &self,
        m: &Machine,
        cache: u32,
        pfn: u32,
        obj: Option<u64>,
        tainted: bool,
    ) -> Box<BugReport> {
        let c = &self.caches[cache as usize];
        let l = c.layout;
        let base = Self::slab_base(pfn);
        let object = obj.filter(|&o| c.object_index(pfn, self.slabs[&pfn].objects, o).is_some()).map(|o| {
            let lead = if c.flags.has(CacheFlags::REDZONE) {
                u64::from(l.red_left_pad)
            } else if o > base + 16 {
                16
            } else {
                0
            };
            let from = o - lead;
            let mut bytes = vec![0u8; (lead + u64::from(Self::size_from_object(&l))) as usize];
            m.mem.read(phys(from), &mut bytes);
            ObjectDump { addr: o, offset: o - base, fp: self.get_freepointer(m, cache, o), from, bytes }
        });
        Box::new(BugReport { tainted, slab: self.slab_info(pfn), object })
    }

    /// `check_bytes_and_report`: the extent of bytes in `[start, start+len)` differing from `val`
    /// (`@offset=` from the slab's base address). With `report`, the `object_err` block for the
    /// first failed check of the object is attached.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn check_bytes(
        &self,
        m: &Machine,
        cache: u32,
        obj: u64,
        what: Corruption,
        start: u64,
        len: u32,
        val: u8,
        tainted: &mut bool,
        first_failure: bool,
    ) -> Option<Event> {
        let mut b = vec![0u8; len as usize];
        m.mem.read(phys(start), &mut b);
        let first = b.iter().position(|&x| x != val)?;
        let last = b.iter().rposition(|&x| x != val).unwrap_or(first);
        let pfn = self.slab_of(obj).map_or(0, |s| s.pfn);
        let fault = start + first as u64;
        let report = (first_failure && self.slabs.contains_key(&pfn)).then(|| {
            let r = self.bug_report(m, cache, pfn, Some(obj), *tainted);
            *tainted = true;
            r
        });
        Some(Event::CorruptBytes {
            cache,
            addr: obj,
            what,
            start: fault,
            len: (last - first + 1) as u32,
            first: b[first],
            expected: val,
            offset: fault.saturating_sub(Self::slab_base(pfn)),
            report,
        })
    }

    /// `check_object`: what slub_debug would report for `obj` (allocated when `active`), in
    /// Linux's order: left, right and kmalloc red zones (or alignment padding), poison, object
    /// padding, then the free pointer.
    pub fn check_object(&self, m: &Machine, cache: u32, obj: u64, active: bool) -> Vec<Event> {
        let mut tainted = self.bad_page;
        self.check_object_tainted(m, cache, obj, active, &mut tainted)
    }

    pub(super) fn check_object_tainted(
        &self,
        m: &Machine,
        cache: u32,
        obj: u64,
        active: bool,
        tainted: &mut bool,
    ) -> Vec<Event> {
        let c = &self.caches[cache as usize];
        let l = c.layout;
        let val = if active { RED_ACTIVE } else { RED_INACTIVE };
        let mut out: Vec<Event> = Vec::new();
        let end = obj + u64::from(l.object_size);
        let mut check = |out: &mut Vec<Event>, what, start, len, val| {
            let first_failure = out.is_empty();
            out.extend(self.check_bytes(m, cache, obj, what, start, len, val, tainted, first_failure));
        };
        if c.flags.has(CacheFlags::REDZONE) {
            let left = obj.saturating_sub(u64::from(l.red_left_pad));
            check(&mut out, Corruption::LeftRedzone, left, l.red_left_pad, val);
            if l.inuse > l.object_size {
                check(&mut out, Corruption::RightRedzone, end, l.inuse - l.object_size, val);
            }
            if active && c.flags.has(CacheFlags::USER) && c.flags.has(CacheFlags::KMALLOC) {
                let orig = self.orig_size(m, cache, obj);
                if orig < l.object_size {
                    check(&mut out, Corruption::KmallocRedzone, obj + u64::from(orig), l.object_size - orig, val);
                }
            }
        } else if c.flags.has(CacheFlags::POISON) && l.object_size < l.inuse {
            check(&mut out, Corruption::AlignmentPadding, end, l.inuse - l.object_size, POISON_INUSE);
        }
        if c.flags.has(CacheFlags::POISON) {
            if !active && l.object_size > 0 {
                check(&mut out, Corruption::Poison, obj, l.object_size - 1, POISON_FREE);
                check(&mut out, Corruption::EndPoison, end - 1, 1, POISON_END);
            }
            let off = Self::metadata_end(c);
            let pad_end = Self::size_from_object(&l);
            if pad_end > off {
                check(&mut out, Corruption::ObjectPadding, obj + u64::from(off), pad_end - off, POISON_INUSE);
            }
        }
        if l.freeptr_outside() || !active {
            let fp = self.get_freepointer(m, cache, obj);
            if let Some(s) = self.slab_of(obj) {
                if fp != 0 && c.object_index(s.pfn, s.objects, fp).is_none() {
                    // object_err(s, slab, p, "Freepointer corrupt"); set_freepointer(s, p, NULL)
                    let report = self.bug_report(m, cache, s.pfn, Some(obj), *tainted);
                    *tainted = true;
                    out.push(Event::FreelistCut { cache, pfn: s.pfn, addr: obj, cut: CutKind::Object, report });
                }
            }
        }
        out
    }

    /// How many errors Linux's KUnit hook (`slab_add_kunit_errors`) counts for a debug event:
    /// one per `object_err`, `slab_err` and `slab_fix`, and one for the `[… overwritten]` line
    /// of `check_bytes_and_report` (whose `object_err` is skipped under KUnit).
    pub fn kunit_errors(ev: &Event) -> u32 {
        match ev {
            Event::CorruptBytes { .. } | Event::InuseFixed { .. } => 2,
            Event::FreelistCut { cut: CutKind::Freechain | CutKind::Object, .. } => 1,
            Event::FreelistCut { cut: CutKind::Head | CutKind::Cycle, .. } => 2,
            Event::SlabDisabled { .. } => 1,
            Event::FreeRefused { report, .. } => 1 + u32::from(report.is_some()),
            _ => 0,
        }
    }

    /// `on_freelist(s, slab, NULL)`: walk the slab's freelist; the events that report and repair
    /// what it finds. Returns false when the walk cleared the freelist (corrupt head or cycle):
    /// `validate_slab` then checks no object of this slab.
    pub(super) fn on_freelist(
        &self,
        m: &Machine,
        cache: u32,
        pfn: u32,
        tainted: &mut bool,
        evs: &mut Vec<Event>,
    ) -> bool {
        let s = &self.slabs[&pfn];
        let c = &self.caches[cache as usize];
        let mut nr = 0u32;
        let mut object: Option<u64> = None;
        let mut fp = s.freelist;
        while fp != 0 && nr <= s.objects {
            if c.object_index(pfn, s.objects, fp).is_none() {
                let report = self.bug_report(m, cache, pfn, object, *tainted);
                *tainted = true;
                match object {
                    Some(addr) => {
                        evs.push(Event::FreelistCut { cache, pfn, addr, cut: CutKind::Freechain, report });
                        break;
                    }
                    None => {
                        evs.push(Event::FreelistCut { cache, pfn, addr: 0, cut: CutKind::Head, report });
                        return false;
                    }
                }
            }
            object = Some(fp);
            fp = self.get_freepointer(m, cache, fp);
            nr += 1;
        }
        if nr > s.objects {
            let report = self.bug_report(m, cache, pfn, None, *tainted);
            *tainted = true;
            evs.push(Event::FreelistCut { cache, pfn, addr: 0, cut: CutKind::Cycle, report });
            return false;
        }
        if s.inuse != s.objects - nr {
            let report = self.bug_report(m, cache, pfn, None, *tainted);
            *tainted = true;
            evs.push(Event::InuseFixed { cache, pfn, counter: s.inuse, counted: s.objects - nr, report });
        }
        true
    }

    /// `validate_slab_cache`: flush the cpu slabs, then `validate_slab` every slab on the node
    /// partial lists (in list order) and, when the cache stores users, the full slabs:
    /// `on_freelist`, then each object until the first corrupt one. Problems are reported and
    /// repaired as Linux does; a clean cache prints nothing. Returns the KUnit error count.
    pub fn validate(&mut self, pages: &mut PageCtx<'_>, cache: u32, out: &mut dyn EventSink) -> u32 {
        self.flush_all(pages, cache, out);
        let c = &self.caches[cache as usize];
        let user = c.flags.has(CacheFlags::USER);
        let mut pfns: Vec<u32> = Vec::new();
        for (node, n) in c.nodes.iter().enumerate() {
            pfns.extend(n.partial.iter().copied());
            if user {
                pfns.extend(
                    self.slabs
                        .values()
                        .filter(|s| {
                            s.cache == cache && s.place == SlabPlace::Full && !s.disabled && usize::from(s.node) == node
                        })
                        .map(|s| s.pfn),
                );
            }
        }
        let mut errors = 0;
        for pfn in pfns {
            let mut tainted = self.bad_page;
            let mut evs = Vec::new();
            let ok = self.on_freelist(pages.machine, cache, pfn, &mut tainted, &mut evs);
            for ev in evs {
                errors += Self::kunit_errors(&ev);
                self.emit(pages.machine, out, ev);
            }
            if !ok {
                continue;
            }
            let s = &self.slabs[&pfn];
            let free = self.walk_freelist(pages.machine, cache, pfn, s.freelist);
            for i in 0..s.objects {
                let obj = self.caches[cache as usize].object_addr(pfn, i);
                let mut tainted = self.bad_page;
                let evs = self.check_object_tainted(pages.machine, cache, obj, !free.contains(&obj), &mut tainted);
                if evs.is_empty() {
                    continue;
                }
                for ev in evs {
                    errors += Self::kunit_errors(&ev);
                    self.emit(pages.machine, out, ev);
                }
                break;
            }
        }
        self.emit(pages.machine, out, Event::Validated { cache, errors });
        errors
    }

    /// The kernel-log text slub_debug prints for a debug event (`None` for other events), as
    /// mm/slub.c prints it: `check_bytes_and_report`, `slab_bug`, `print_trailer`,
    /// `print_section`, `slab_fix`. Not printed: the `WARN_ON(1)` stack dump that follows each
    /// report, and the stack-depot traces of the tracks (the track's caller is the script line).
    pub fn debug_text(&self, ev: &Event) -> Option<String> {
        let name = |cache: u32| self.cache_name(cache).to_string();
        Some(match ev {
            Event::CorruptBytes { cache, addr, what, start, len, first, expected, offset, report } => {
                let (name, w) = (name(*cache), what.linux_name());
                let end = start + u64::from(*len) - 1;
                let mut t = format!(
                    "[{w} overwritten] 0x{start:016x}-0x{end:016x} @offset={offset}. First byte {first:#x} instead of {expected:#x}\n"
                );
                if let Some(r) = report {
                    t += &self.render_bug(*cache, "Object corrupt", r, Some(*addr));
                }
                t += &format!("FIX {name}: Restoring {w} 0x{start:016x}-0x{end:016x}={expected:#x}\n");
                t
            }
            Event::FreelistCut { cache, addr, cut: kind, report, .. } => match kind {
                CutKind::Freechain => self.render_bug(*cache, "Freechain corrupt", report, Some(*addr)),
                CutKind::Object => self.render_bug(*cache, "Freepointer corrupt", report, Some(*addr)),
                CutKind::Head => {
                    self.render_bug(*cache, "Freepointer corrupt", report, None)
                        + &format!("FIX {}: Freelist cleared\n", name(*cache))
                }
                CutKind::Cycle => {
                    self.render_bug(*cache, "Freelist cycle detected", report, None)
                        + &format!("FIX {}: Freelist cleared\n", name(*cache))
                }
            },
            Event::InuseFixed { cache, counter, counted, report, .. } => {
                let reason = format!("Wrong object count. Counter is {counter} but counted were {counted}");
                self.render_bug(*cache, &reason, report, None)
                    + &format!("FIX {}: Object count adjusted\n", name(*cache))
            }
            Event::SlabDisabled { cache, .. } => format!("FIX {}: Marking all objects used\n", name(*cache)),
            Event::FreeRefused { cache, addr, report } => {
                let mut t = String::new();
                if let Some(r) = report {
                    t +=
                        &self.render_bug(*cache, "Slab disabled since SLUB metadata consistency check failed", r, None);
                }
                t + &format!("FIX {}: Object at 0x{addr:016x} not freed\n", name(*cache))
            }
            _ => return None,
        })
    }

    /// `slab_bug` (+ `print_trailer` for `object_err`, `print_slab_info` for `slab_err`).
    pub(super) fn render_bug(&self, cache: u32, reason: &str, r: &BugReport, _obj: Option<u64>) -> String {
        // print_tainted(): one character per taint flag; every report adds TAINT_BAD_PAGE ('B')
        // and its WARN_ON(1) adds TAINT_WARN ('W'); 'G' stands for no proprietary module.
        const TAINTED: &str = "Tainted: G    B   W          ";
        let c = &self.caches[cache as usize];
        let l = c.layout;
        let mut t = String::new();
        t += "=============================================================================\n";
        t += &format!("BUG {} ({}): {reason}\n", c.name, if r.tainted { TAINTED } else { "Not tainted" });
        t += "-----------------------------------------------------------------------------\n\n";
        let s = &r.slab;
        let slab_info = format!(
            "Slab 0x{:016x} objects={} used={} fp=0x{:016x} flags={}\n",
            VMEMMAP + u64::from(s.pfn) * STRUCT_PAGE,
            s.objects,
            s.inuse,
            s.freelist,
            page_flags(s.order, s.node)
        );
        let Some(o) = &r.object else {
            return t + &slab_info;
        };
        let at = |addr: u64, len: u64| -> &[u8] {
            let i = (addr - o.from) as usize;
            o.bytes.get(i..i + len as usize).unwrap_or(&[])
        };
        if c.flags.has(CacheFlags::USER) {
            let info_end = u64::from(Self::info_end(&l));
            for (i, what) in ["Allocated", "Freed"].iter().enumerate() {
                let tr = at(o.addr + info_end + i as u64 * u64::from(TRACK_SIZE), u64::from(TRACK_SIZE));
                let word = |k: usize, n: usize| {
                    tr.get(k..k + n).map_or(0, |b| b.iter().rev().fold(0u64, |a, &x| a << 8 | u64::from(x)))
                };
                let site = word(0, 8);
                if site != 0 {
                    // print_track: "%s in %pS age=%lu cpu=%u pid=%d"; the caller is the script line.
                    t += &format!("{what} in line {site} age=0 cpu={} pid=0\n", word(12, 4));
                }
            }
        }
        t += &slab_info;
        t += &format!("Object 0x{:016x} @offset={} fp=0x{:016x}\n\n", o.addr, o.offset, o.fp);
        let section = |t: &mut String, text: &str, addr: u64, len: u64| {
            for (row, chunk) in at(addr, len).chunks(16).enumerate() {
                let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
                let ascii: String =
                    chunk.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
                *t += &format!("{text}{:016x}: {:<50}{ascii}\n", addr + row as u64 * 16, hex.join(" "));
            }
        };
        let obj = o.addr;
        if c.flags.has(CacheFlags::REDZONE) {
            section(&mut t, "Redzone  ", obj - u64::from(l.red_left_pad), u64::from(l.red_left_pad));
        } else if obj > o.from {
            section(&mut t, "Bytes b4 ", obj - 16, 16);
        }
        section(&mut t, "Object   ", obj, u64::from(l.object_size.min(PAGE_SIZE as u32)));
        if c.flags.has(CacheFlags::REDZONE) {
            section(&mut t, "Redzone  ", obj + u64::from(l.object_size), u64::from(l.inuse - l.object_size));
        }
        let off = Self::metadata_end(c);
        let end = Self::size_from_object(&l);
        if off < end {
            section(&mut t, "Padding  ", obj + u64::from(off), u64::from(end - off));
        }
        t
    }
}
