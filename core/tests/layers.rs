//! The visualizer's policy-independent slab rows, `slabtop` rows and object byte annotation.

use slabscope_core::layers::{self, ByteKind, Cell, RowList};
use slabscope_core::machine::MachineConfig;
use slabscope_core::names::{Binding, Value};
use slabscope_core::script;
use slabscope_core::session::Session;
use slabscope_core::snapshot::Snapshot;

fn run(src: &str) -> Session {
    script::load(src, &MachineConfig::default(), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn snap(s: &Session) -> Snapshot {
    Snapshot::of(s.head(), s.names())
}

fn addr_of(s: &Session, name: &str) -> u64 {
    let sym = s.names().get(name).expect("bound");
    match s.head().bindings.get(sym) {
        Some(Binding::One(Value::Object { addr, .. })) => *addr,
        other => panic!("{name}: {other:?}"),
    }
}

fn count(rows: &[layers::SlabRow], cache: u32, c: Cell) -> usize {
    rows.iter().filter(|r| r.cache == cache).flat_map(|r| r.cells.iter()).filter(|&&x| x == c).count()
}

#[test]
fn slub_rows_follow_the_lists_and_the_freelists_in_memory() {
    let s = run("repeat 100 { kmalloc 64 cpu=0 as=p[] }\nkfree p[3] cpu=0\nkfree p[5] cpu=0\nkfree p[80] cpu=1\n");
    let sn = snap(&s);
    // The rows against SLUB's own state, read from the engine (this test is about SLUB).
    let (slub, m) = (s.head().slub().expect("SLUB"), &s.head().machine);
    let id = slub.cache_by_name("kmalloc-64").expect("kmalloc-64");
    let rows: Vec<_> = sn.slab_rows.iter().filter(|r| r.cache == id).collect();
    // The cpu slab of CPU 0 comes first; its lockless freelist is SLUB's, as indices.
    let cpu = rows.iter().find(|r| r.list == RowList::CpuSlab && r.cpu == Some(0)).expect("cpu slab");
    let cs = &slub.caches()[id as usize].cpus[0];
    assert_eq!(Some(cpu.pfn), cs.slab);
    let addrs: Vec<u64> = cpu.cpu_freelist.iter().map(|&i| cpu.addr(i)).collect();
    assert!(!addrs.is_empty());
    assert_eq!(addrs, slub.walk_freelist(m, id, cpu.pfn, cs.freelist));
    assert!(cpu.cpu_freelist.iter().all(|&i| cpu.cells[i as usize] == Cell::CpuFree));
    // Every slab's own freelist is SLUB's, in order.
    for r in &rows {
        let slab = &slub.slabs()[&r.pfn];
        let addrs: Vec<u64> = r.freelist.iter().map(|&i| r.addr(i)).collect();
        assert_eq!(addrs, slub.walk_freelist(m, id, slab.pfn, slab.freelist), "slab {}", r.pfn);
        assert_eq!(r.cells.iter().filter(|&&x| x == Cell::Free).count(), r.freelist.len());
        assert_eq!(r.cells.len() as u32, slab.objects);
        assert_eq!(r.index_of(r.addr(2)), Some(2));
    }
    // 97 objects are with users.
    assert_eq!(count(&sn.slab_rows, id, Cell::Used), 97);
    let top = sn.cache_rows.iter().find(|r| r.id == id).expect("slabtop row");
    assert_eq!(top.slabs, rows.len() as u64);
    assert_eq!(top.objects, rows.iter().map(|r| r.cells.len() as u64).sum::<u64>());
    assert!(top.active >= 97 && top.active <= top.objects);
    assert!(top.efficiency_permille > 0 && top.efficiency_permille <= 1000);
    assert!(top.aliases.is_empty() || !top.aliases.contains(&top.name));
}

#[test]
fn classic_slab_rows_show_array_caches_and_the_three_lists() {
    let s = run("config slab=slab cpus=2\nrepeat 40 { kmalloc 256 cpu=0 as=p[] }\nkfree p[*] cpu=1\n");
    let sn = snap(&s);
    let cl = s.head().classic().expect("classic SLAB");
    let c = cl.caches().iter().find(|c| c.name == "kmalloc-256").expect("cache");
    let cached =
        c.cpus.iter().map(|a| a.entry.len()).sum::<usize>() + c.nodes.iter().map(|n| n.shared.len()).sum::<usize>();
    // The snapshot's policy-neutral rows hold the same arrays.
    let rows: usize = sn.cpu_rows.iter().filter(|r| r.cache == c.id).map(|r| r.held().count()).sum::<usize>()
        + sn.node_rows.iter().filter(|r| r.cache == c.id).map(|r| r.objects.len()).sum::<usize>();
    assert_eq!(rows, cached);
    assert!(cached > 0);
    assert_eq!(count(&sn.slab_rows, c.id, Cell::Cached), cached);
    assert_eq!(count(&sn.slab_rows, c.id, Cell::Used), 0);
    for r in sn.slab_rows.iter().filter(|r| r.cache == c.id) {
        let slab = cl.slabs().get(&r.pfn).expect("slab");
        assert_eq!(r.colour, slab.colour_offset);
        assert_eq!(r.cells.len() - r.freelist.len(), slab.active as usize);
        let want = match slab.list {
            slabscope_core::slab::classic::SlabList::Full => RowList::SlabsFull,
            slabscope_core::slab::classic::SlabList::Partial => RowList::SlabsPartial,
            slabscope_core::slab::classic::SlabList::Free => RowList::SlabsFree,
        };
        assert_eq!(r.list, want);
    }
    // slabtop agrees with /proc/slabinfo's active and total objects.
    let top = sn.cache_rows.iter().find(|r| r.id == c.id).expect("row");
    let line = sn.slabinfo.lines().find(|l| l.starts_with("kmalloc-256 ")).expect("slabinfo line");
    let nums: Vec<u64> = line.split_whitespace().skip(1).take(2).map(|x| x.parse().unwrap()).collect();
    assert_eq!((top.active, top.objects), (nums[0], nums[1]));
}

#[test]
fn aether_and_sheaves_mark_per_cpu_objects() {
    let s = run("config slab=aether\nrepeat 30 { kmalloc 64 as=p[] }\nkfree p[*]\n");
    let sn = snap(&s);
    let ae = s.head().aether().expect("AetherOS");
    let c = ae.caches().iter().find(|c| c.object_size == 64 && c.live == 0 && !c.destroyed).expect("cache");
    let held: usize = c.cpus.iter().map(|cs| cs.local.len() + cs.hot.len()).sum();
    assert!(held > 0);
    assert_eq!(sn.cpu_rows.iter().filter(|r| r.cache == c.id).map(|r| r.held().count()).sum::<usize>(), held);
    assert_eq!(count(&sn.slab_rows, c.id, Cell::Cached), held);
    assert!(sn
        .slab_rows
        .iter()
        .filter(|r| r.cache == c.id)
        .all(|r| matches!(r.list, RowList::GlobalFull | RowList::GlobalPartial | RowList::GlobalEmpty)));

    let s = run("config slab=sheaves\nrepeat 50 { kmalloc 64 cpu=0 as=p[] }\nkfree p[*] cpu=1\n");
    let sn = snap(&s);
    let c = sn.cache_rows.iter().find(|c| c.name == "kmalloc-64").expect("cache");
    let pc = s.head().percpu().expect("sheaves");
    let held: usize =
        pc.arrays[c.id as usize].iter().map(|a| a.main.len() + a.spare.as_ref().map_or(0, Vec::len)).sum::<usize>()
            + pc.depots[c.id as usize].iter().flat_map(|d| d.full.iter()).map(Vec::len).sum::<usize>();
    let rows: usize = sn.cpu_rows.iter().filter(|r| r.cache == c.id).map(|r| r.held().count()).sum::<usize>()
        + sn.node_rows.iter().filter(|r| r.cache == c.id).map(|r| r.objects.len()).sum::<usize>();
    assert_eq!(rows, held);
    assert!(held > 0);
    assert_eq!(count(&sn.slab_rows, c.id, Cell::Cached), held);
}

#[test]
fn object_bytes_annotate_poison_free_pointer_and_corruption() {
    // Runs are deterministic: the object's address is the same in every run of this prefix.
    let q = addr_of(&run("cache create ps size=64 flags=poison,user\ncache alloc ps as=q\n"), "q");
    let s = run("cache create ps size=64 flags=poison,user\ncache alloc ps as=q\ncache free q\n");
    let ob = layers::object_bytes(s.head(), q).expect("a SLUB object");
    assert!(!ob.active);
    assert_eq!(ob.start, q);
    // Poisoned payload with the free pointer outside the object (poison moves it), tracks after.
    assert_eq!(ob.kinds[0], ByteKind::Poison);
    assert_eq!(ob.bytes[0], 0x6b);
    assert_eq!(ob.bytes[63], 0xa5);
    assert_eq!(ob.kinds[64], ByteKind::FreePointer);
    assert!(ob.kinds.contains(&ByteKind::Track));
    assert!(ob.corrupt.iter().all(|&c| !c), "a clean object");
    // A write after free into the payload is flagged at exactly that byte.
    let s =
        run("cache create ps size=64 flags=poison,user\ncache alloc ps as=q\ncache free q\nwrite q offset=3 byte=1\n");
    let ob = layers::object_bytes(s.head(), q).expect("object");
    let bad: Vec<usize> = ob.corrupt.iter().enumerate().filter(|(_, &c)| c).map(|(i, _)| i).collect();
    assert_eq!(bad, vec![3]);
    // Red zones: left and right of the object.
    let s = run("cache create rz size=40 flags=redzone\ncache alloc rz as=r\n");
    let r = addr_of(&s, "r");
    let ob = layers::object_bytes(s.head(), r).expect("object");
    assert!(ob.active);
    assert_eq!(ob.kinds[0], ByteKind::RedLeft);
    assert!(ob.kinds.contains(&ByteKind::RedRight));
    assert!(ob.kinds.contains(&ByteKind::Payload));
    assert!(layers::object_bytes(s.head(), r + 1).is_none());
}

#[test]
fn superslab_release_side_by_side() {
    let src = "config mem=8M superslab_release=on\nmalloc 32 as=a\nmalloc 32 as=b\nfree a\nfree b\n";
    let s = run(src);
    let mut off = s.config().clone();
    off.superslab_release = false;
    let other = s.superslab_with(off).expect("boots");
    assert_eq!(other.len(), s.op_count());
    // Release off: the emptied SuperSlab stays resident.
    assert_eq!(other.last(), Some(&(2 << 20, 1)));
    assert_eq!(other[0], (2 << 20, 1));
    // This session (release on) gives it back; the same config replays identically.
    assert_eq!(s.head().superslab.resident_bytes(), 0);
    let same = s.superslab_with(s.config().clone()).expect("boots");
    assert_eq!(same.last(), Some(&(0, 0)));
}

#[test]
fn object_bytes_of_slab_and_aether_objects() {
    // AetherOS: a free object keeps the next pointer in its first word.
    let s = run("config slab=aether per_cpu_cache_size=2 bulk_transfer_size=2\nrepeat 40 { kmalloc 64 as=p[] }\n");
    let sn = snap(&s);
    let free_row = sn.slab_rows.iter().find(|r| r.cells.contains(&Cell::Free)).expect("a slab with free objects");
    let i = free_row.cells.iter().position(|&c| c == Cell::Free).unwrap() as u32;
    let ob = layers::object_bytes(s.head(), free_row.addr(i)).expect("an object");
    assert!(!ob.active);
    assert_eq!(&ob.kinds[..8], &[ByteKind::FreePointer; 8]);
    assert!(ob.kinds[8..].iter().all(|&k| k == ByteKind::Payload || k == ByteKind::Padding));
    let used = addr_of(&run("config slab=aether\nkmalloc 64 as=x\n"), "x");
    let s = run("config slab=aether\nkmalloc 64 as=x\n");
    let ob = layers::object_bytes(s.head(), used).expect("an object");
    assert!(ob.active && ob.kinds.iter().all(|&k| k == ByteKind::Payload));
    // SLAB with the index array inside a free object (OBJFREELIST): those bytes are marked.
    let s = run("config slab=slab\nkmalloc 64 as=x\n");
    let sn = snap(&s);
    let cl = s.head().classic().expect("classic SLAB");
    let cache = cl.caches().iter().find(|c| c.name == "kmalloc-64").expect("cache");
    assert!(cache.objfreelist);
    let slab = cl.slabs().values().find(|sl| sl.cache == cache.id).expect("slab");
    let row = sn.slab_rows.iter().find(|r| r.pfn == slab.pfn).expect("row");
    let host = (0..row.cells.len() as u32)
        .map(|i| row.addr(i))
        .find(|&a| slab.freelist_at >= a && slab.freelist_at < a + u64::from(row.stride))
        .expect("host object");
    let ob = layers::object_bytes(s.head(), host).expect("object");
    assert_eq!(ob.kinds.iter().filter(|&&k| k == ByteKind::FreeIndex).count(), cache.num as usize);
}

/// Internal fragmentation: slot bytes a request does not use, plus every slab's leftover, as a
/// share of the slab memory; free slots are not counted.
#[test]
fn internal_fragmentation_counts_slot_waste_and_slab_leftover() {
    // No debug: kmalloc-96 slots are 96 bytes, 42 per 4 KiB slab, 64 bytes left over.
    let s = run("repeat 10 { kmalloc 96 as=p[] }\n");
    let sn = snap(&s);
    let r = sn.cache_rows.iter().find(|r| r.name == "kmalloc-96").expect("kmalloc-96");
    assert_eq!((r.slabs, r.size, r.object_size), (1, 96, 96));
    assert_eq!(r.waste_in_objects, 0, "the request fills the slot");
    assert_eq!(r.waste_leftover, 4096 - r.objects * 96);
    assert_eq!(u64::from(r.internal_frag_permille), r.waste_leftover * 1000 / 4096);
    // Freeing objects does not change it (free slots are capacity, not fragmentation).
    let s2 = run("repeat 10 { kmalloc 96 as=p[] }\nkfree p[0]\nkfree p[1]\n");
    let r2 = snap(&s2).cache_rows.into_iter().find(|r| r.name == "kmalloc-96").expect("row");
    assert_eq!((r2.waste_in_objects, r2.internal_frag_permille), (0, r.internal_frag_permille));
    assert!(r2.efficiency_permille < r.efficiency_permille, "efficiency does drop");
    // slub_debug=U records each kmalloc request: 100-byte requests in kmalloc-128 slots waste
    // the rounding (28 bytes) plus the debug metadata of each slot.
    let s = run("config slub_debug=U\nrepeat 4 { kmalloc 100 as=q[] }\n");
    let sn = snap(&s);
    let r = sn.cache_rows.iter().find(|r| r.name == "kmalloc-128").expect("kmalloc-128");
    assert!(r.size > 128, "tracks make the slot larger: {}", r.size);
    assert_eq!(r.waste_in_objects, 4 * u64::from(r.size - 100));
    let bytes = r.slabs * u64::from(r.pages_per_slab) * 4096;
    assert_eq!(r.waste_leftover, bytes - r.objects * u64::from(r.size));
    assert_eq!(u64::from(r.internal_frag_permille), (r.waste_in_objects + r.waste_leftover) * 1000 / bytes);
}
