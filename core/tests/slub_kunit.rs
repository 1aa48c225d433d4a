//! The corruption cases of Linux's own SLUB KUnit suite (lib/tests/slub_kunit.c), replayed on the
//! simulation: same cache flags, same writes, same error counts (a reported-and-fixed byte range
//! counts 2, a freechain cut 1, a wrong object count 2, as `slab_errors` counts them).
//! Not replayed: the two kfree_rcu tests (RCU is not modelled; they expect no errors).

use slabscope_core::event::Event;
use slabscope_core::machine::MachineConfig;
use slabscope_core::names::{Names, Value};
use slabscope_core::script;
use slabscope_core::sim::{OpError, Sim};
use slabscope_core::slub::phys;

struct Kunit {
    sim: Sim,
    names: Names,
    line: u32,
}

impl Kunit {
    fn new(config: &str) -> Kunit {
        let mut names = Names::default();
        let prog = script::parse(config, &mut names).unwrap();
        let cfg = prog.apply_config(&MachineConfig::default()).unwrap();
        Kunit { sim: Sim::boot(cfg).unwrap(), names, line: 0 }
    }

    /// Run op-language lines; returns the events.
    fn run(&mut self, src: &str) -> Result<Vec<Event>, OpError> {
        let prog = script::parse(src, &mut self.names).unwrap();
        let mut events = Vec::new();
        for op in &prog.ops {
            self.line += 1;
            self.sim.exec_at(op, &self.names, self.line, &mut events)?;
        }
        Ok(events)
    }

    fn validate(&mut self, cache: &str) -> u32 {
        let evs = self.run(&format!("cache validate {cache}")).unwrap();
        evs.iter()
            .find_map(|e| match e {
                Event::Validated { errors, .. } => Some(*errors),
                _ => None,
            })
            .unwrap()
    }

    fn addr(&self, name: &str) -> u64 {
        let sym = self.names.get(name).unwrap();
        match self.sim.bindings.get(sym) {
            Some(slabscope_core::names::Binding::One(Value::Object { addr, .. })) => *addr,
            _ => match self.sim.bindings.dangling(sym) {
                Some(Value::Object { addr, .. }) => addr,
                other => panic!("{name}: {other:?}"),
            },
        }
    }
}

#[test]
fn test_clobber_zone() {
    let mut k = Kunit::new("");
    k.run("cache create TestSlub_RZ_alloc size=64 flags=redzone\ncache alloc TestSlub_RZ_alloc as=p\n").unwrap();
    k.run("write p offset=64 byte=0x12").unwrap();
    assert_eq!(k.validate("TestSlub_RZ_alloc"), 2);
    assert_eq!(k.validate("TestSlub_RZ_alloc"), 0, "the red zone was restored");
}

#[test]
fn test_next_pointer() {
    let mut k = Kunit::new("");
    k.run("cache create TestSlub_next_ptr_free size=64 flags=poison\ncache alloc TestSlub_next_ptr_free as=p\ncache free p\n")
        .unwrap();
    let p = k.addr("p");
    let cache = k.sim.slub().unwrap().cache_by_name("TestSlub_next_ptr_free").unwrap();
    let offset = u64::from(k.sim.slub().unwrap().cache(cache).layout.offset);
    assert_eq!(offset, 64, "with SLAB_POISON the free pointer sits after the object");
    let mut saved = [0u8; 8];
    k.sim.machine.mem.read(phys(p + offset), &mut saved);
    k.run(&format!("write p offset={offset} byte={:#04x}", !saved[0])).unwrap();
    // "Freechain corrupt" + "Wrong object count" + "Object count adjusted".
    assert_eq!(k.validate("TestSlub_next_ptr_free"), 3);
    let c = k.sim.slub().unwrap().cache(cache);
    let slab = k.sim.slub().unwrap().slabs().values().find(|s| s.cache == c.id).unwrap();
    assert_eq!(slab.inuse, slab.objects - 1, "only the head survived on the freelist");
    // Restore the pointer as the test does (*ptr_addr = tmp): the count is now wrong the other way.
    k.sim.machine.mem.write(phys(p + offset), &saved);
    assert_eq!(k.validate("TestSlub_next_ptr_free"), 2);
    assert_eq!(k.validate("TestSlub_next_ptr_free"), 0);
}

#[test]
fn test_first_word() {
    let mut k = Kunit::new("");
    k.run("cache create TestSlub_1th_word_free size=64 flags=poison\ncache alloc TestSlub_1th_word_free as=p\ncache free p\nwrite p offset=0 byte=0x78\n")
        .unwrap();
    assert_eq!(k.validate("TestSlub_1th_word_free"), 2);
}

#[test]
fn test_clobber_50th_byte() {
    let mut k = Kunit::new("");
    k.run("cache create TestSlub_50th_word_free size=64 flags=poison\ncache alloc TestSlub_50th_word_free as=p\ncache free p\nwrite p offset=50 byte=0x9a\n")
        .unwrap();
    assert_eq!(k.validate("TestSlub_50th_word_free"), 2);
}

#[test]
fn test_clobber_redzone_free() {
    let mut k = Kunit::new("");
    k.run("cache create TestSlub_RZ_free size=64 flags=redzone\ncache alloc TestSlub_RZ_free as=p\ncache free p\nwrite p offset=64 byte=0xab\n")
        .unwrap();
    assert_eq!(k.validate("TestSlub_RZ_free"), 2);
}

#[test]
fn test_kmalloc_redzone_access() {
    // The kernel test builds a 32-byte SLAB_KMALLOC|SLAB_STORE_USER|SLAB_RED_ZONE cache and
    // kmallocs 18 bytes from it; slub_debug=ZU does the same to kmalloc-32.
    let mut k = Kunit::new("config slub_debug=ZU");
    k.run("kmalloc 18 as=p\nwrite p offset=18 len=2 byte=0xab\n").unwrap();
    let evs = k.run("cache validate kmalloc-32").unwrap();
    assert!(
        evs.iter().any(|e| matches!(
            e,
            Event::CorruptBytes { what: slabscope_core::event::Corruption::KmallocRedzone, len: 2, .. }
        )),
        "{evs:?}"
    );
    assert_eq!(k.validate("kmalloc-32"), 0);
    let evs = {
        let mut k = Kunit::new("config slub_debug=ZU");
        k.run("kmalloc 18 as=p\nwrite p offset=18 len=2 byte=0xab\n").unwrap();
        k.validate("kmalloc-32")
    };
    assert_eq!(evs, 2);
}

#[test]
fn test_leak_destroy() {
    let mut k = Kunit::new("");
    k.run("cache create TestSlub_leak_destroy size=64 flags=nomerge\ncache alloc TestSlub_leak_destroy as=p\n")
        .unwrap();
    let err = k.run("cache destroy TestSlub_leak_destroy").unwrap_err();
    assert_eq!(err, OpError::CacheBusy { name: "TestSlub_leak_destroy".into(), live: 1 });
    let report = k.sim.show(slabscope_core::event::ShowWhat::Leaks);
    assert!(report.contains("TestSlub_leak_destroy") && report.contains("1 object(s) allocated at line 2"), "{report}");
}

#[test]
fn double_free_is_refused_and_explained() {
    let mut k = Kunit::new("");
    k.run("cache create f size=64 flags=checks\ncache alloc f as=p\ncache free p\n").unwrap();
    match k.run("cache free p").unwrap_err() {
        OpError::DoubleFree { debug: true, .. } => {}
        e => panic!("{e:?}"),
    }
    let mut k = Kunit::new("");
    k.run("kmalloc 64 as=p\nkfree p\n").unwrap();
    let err = k.run("kfree p").unwrap_err();
    assert!(err.to_string().contains("without slub_debug=F"), "{err}");
}

#[test]
fn poison_and_red_zones_are_real_bytes() {
    let mut k = Kunit::new("");
    k.run("cache create d size=64 flags=redzone,poison,user\ncache alloc d as=p\n").unwrap();
    let p = k.addr("p");
    let mut b = [0u8; 72];
    k.sim.machine.mem.read(phys(p), &mut b);
    assert!(b[..63].iter().all(|&x| x == 0x6b) && b[63] == 0xa5, "poisoned object: {b:02x?}");
    assert!(b[64..72].iter().all(|&x| x == 0xcc), "active right red zone");
    let mut left = [0u8; 8];
    k.sim.machine.mem.read(phys(p - 8), &mut left);
    assert_eq!(left, [0xcc; 8]);
    k.run("cache free p").unwrap();
    k.sim.machine.mem.read(phys(p + 64), &mut left);
    assert_eq!(left, [0xbb; 8], "inactive red zone after free");
}

#[test]
fn test_krealloc_redzone_zeroing() {
    // "TestSlub_krealloc": 64 B, KMALLOC|STORE_USER|RED_ZONE; slub_debug=ZU on kmalloc-64.
    let mut k = Kunit::new("config slub_debug=ZU");
    k.run("kmalloc 48 as=p\nwrite p offset=0 len=48 byte=0xff\n").unwrap();
    let bytes = |k: &Kunit, from: u64, len: usize| {
        let mut b = vec![0u8; len];
        k.sim.machine.mem.read(phys(k.addr("p") + from), &mut b);
        b
    };
    k.run("krealloc p 40 zero").unwrap();
    assert!(bytes(&k, 40, 24).iter().all(|&b| b == 0xcc), "shrinking re-marks 40..63 as kmalloc red zone");
    k.run("krealloc p 56 zero").unwrap();
    assert!(bytes(&k, 40, 16).iter().all(|&b| b == 0), "growing with __GFP_ZERO zeroes 40..55");
    assert!(bytes(&k, 56, 8).iter().all(|&b| b == 0xcc));
    assert_eq!(k.validate("kmalloc-64"), 0);
    let old = k.addr("p");
    k.run("write p offset=0 len=56 byte=0xff\nkrealloc p 112 zero").unwrap();
    assert_ne!(k.addr("p"), old, "112 bytes do not fit: the object moves to kmalloc-128");
    assert!(bytes(&k, 0, 56).iter().all(|&b| b == 0xff), "old contents copied");
    assert!(bytes(&k, 56, 56).iter().all(|&b| b == 0), "the rest zeroed");
}
