//! Criterion benchmarks: page alloc/free throughput and seek latency in a 1,000,000-op session.
//! Also prints the bytes a session retains per op (counted by a wrapping global allocator).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use slabscope_core::event::CountSink;
use slabscope_core::machine::{MachineConfig, Owner};
use slabscope_core::names::Names;
use slabscope_core::session::Session;
use slabscope_core::sim::Sim;
use slabscope_core::workload::{pages_workload, Rng};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator, only counting bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const SESSION_OPS: usize = 1_000_000;

fn big_session() -> (Session, usize) {
    let config = MachineConfig::default();
    let before = LIVE.load(Ordering::Relaxed);
    let mut names = Names::default();
    let ops = pages_workload(&config, 42, SESSION_OPS, &mut names);
    let mut s = Session::with_names(config, names).unwrap();
    for op in ops {
        s.push(op, 0).unwrap();
    }
    s.seek(0);
    let retained = LIVE.load(Ordering::Relaxed) - before;
    (s, retained)
}

fn page_ops(c: &mut Criterion) {
    let mut g = c.benchmark_group("pages");
    for (label, pcp) in [("buddy", false), ("pcp", true)] {
        let sim = Sim::boot(MachineConfig { pcp, ..Default::default() }).unwrap();
        g.bench_function(format!("alloc+free order0 ({label})"), |b| {
            b.iter_batched_ref(
                || sim.clone(),
                |s| {
                    for _ in 0..64 {
                        let pfn = s.alloc_pages(0, 0, 0, Owner::Pages { name: 0 }, &mut CountSink::default()).unwrap();
                        s.free_pages(0, black_box(pfn), &mut CountSink::default());
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

const SITE: slabscope_core::slub::Site = slabscope_core::slub::Site { line: 0, orig_size: 64 };

fn slub_ops(c: &mut Criterion) {
    use slabscope_core::sim::PageCtx;
    let mut g = c.benchmark_group("slub");
    let mut base = Sim::boot(MachineConfig::default()).unwrap();
    let cache = base.slub().unwrap().cache_by_name("kmalloc-64").unwrap();
    {
        // Warm up: give CPU 0 a cpu slab.
        let Sim { machine, buddy, pcp, slab: slub, .. } = &mut base;
        let mut pages = PageCtx { machine, buddy, pcp };
        let a = slub.alloc(&mut pages, cache, 0, None, SITE, &mut CountSink::default()).unwrap();
        slub.free(&mut pages, cache, 0, a, 0, &mut CountSink::default());
    }
    g.bench_function("kmalloc-64 alloc+free, fast paths (x64)", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |s| {
                let Sim { machine, buddy, pcp, slab: slub, .. } = s;
                let mut pages = PageCtx { machine, buddy, pcp };
                for _ in 0..64 {
                    let a = slub.alloc(&mut pages, cache, 0, None, SITE, &mut CountSink::default()).unwrap();
                    slub.free(&mut pages, cache, 0, black_box(a), 0, &mut CountSink::default());
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("kmalloc-64: 640 allocs on cpu 0, freed from cpu 1 (slow paths)", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |s| {
                let Sim { machine, buddy, pcp, slab: slub, .. } = s;
                let mut pages = PageCtx { machine, buddy, pcp };
                let objs: Vec<u64> = (0..640)
                    .map(|_| slub.alloc(&mut pages, cache, 0, None, SITE, &mut CountSink::default()).unwrap())
                    .collect();
                for a in objs {
                    slub.free(&mut pages, cache, 1, a, 0, &mut CountSink::default());
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn other_policies(c: &mut Criterion) {
    use slabscope_core::machine::SlabPolicy;
    use slabscope_core::sim::PageCtx;
    let mut g = c.benchmark_group("policies");
    // Classic SLAB: array-cache hits (alloc + free of the same object).
    let mut slab = Sim::boot(MachineConfig { slab: SlabPolicy::Slab, ..Default::default() }).unwrap();
    let k64 = slab.classic().unwrap().kmalloc_cache(64).unwrap();
    g.bench_function("slab kmalloc-64 alloc+free, array hits (x64)", |b| {
        b.iter_batched_ref(
            || slab.clone(),
            |s| {
                let Sim { machine, buddy, pcp, slab: c, .. } = s;
                let mut pages = PageCtx { machine, buddy, pcp };
                for _ in 0..64 {
                    let a = c.alloc(&mut pages, k64, 0, None, SITE, &mut CountSink::default()).unwrap();
                    c.free(&mut pages, k64, 0, black_box(a), 0, &mut CountSink::default());
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("slab kmalloc-64: 640 allocs on cpu 0, freed from cpu 1 (refills, flushes)", |b| {
        b.iter_batched_ref(
            || slab.clone(),
            |s| {
                let Sim { machine, buddy, pcp, slab: c, .. } = s;
                let mut pages = PageCtx { machine, buddy, pcp };
                let objs: Vec<u64> = (0..640)
                    .map(|_| c.alloc(&mut pages, k64, 0, None, SITE, &mut CountSink::default()).unwrap())
                    .collect();
                for a in objs {
                    c.free(&mut pages, k64, 1, a, 0, &mut CountSink::default());
                }
            },
            BatchSize::SmallInput,
        )
    });
    let _ = &mut slab;
    // AetherOS: hot-list hits, and bulk traffic through the per-CPU caches.
    let aether = Sim::boot(MachineConfig { slab: SlabPolicy::Aether, ..Default::default() }).unwrap();
    let s64 = aether.aether().unwrap().class_for(64).unwrap();
    g.bench_function("aether size-64 alloc+free, hot-list hits (x64)", |b| {
        b.iter_batched_ref(
            || aether.clone(),
            |s| {
                let Sim { machine, buddy, pcp, slab: e, .. } = s;
                let mut pages = PageCtx { machine, buddy, pcp };
                for _ in 0..64 {
                    let a = e.alloc(&mut pages, s64, 0, None, SITE, &mut CountSink::default()).unwrap();
                    e.free(&mut pages, s64, 0, black_box(a), 0, &mut CountSink::default());
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("aether size-64: 640 allocs on cpu 0, freed from cpu 1 (refills, spills)", |b| {
        b.iter_batched_ref(
            || aether.clone(),
            |s| {
                let Sim { machine, buddy, pcp, slab: e, .. } = s;
                let mut pages = PageCtx { machine, buddy, pcp };
                let objs: Vec<u64> = (0..640)
                    .map(|_| e.alloc(&mut pages, s64, 0, None, SITE, &mut CountSink::default()).unwrap())
                    .collect();
                for a in objs {
                    e.free(&mut pages, s64, 1, a, 0, &mut CountSink::default());
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn superslab_ops(c: &mut Criterion) {
    use slabscope_core::sim::PageCtx;
    let mut g = c.benchmark_group("superslab");
    let mut base = Sim::boot(MachineConfig::default()).unwrap();
    {
        let Sim { machine, buddy, pcp, superslab, .. } = &mut base;
        let mut pages = PageCtx { machine, buddy, pcp };
        let a = superslab.malloc(&mut pages, 16, 0, &mut CountSink::default()).unwrap();
        let b = superslab.malloc(&mut pages, 16, 0, &mut CountSink::default()).unwrap();
        superslab.free(&mut pages, a, 0, &mut CountSink::default());
        let _ = b; // keeps the SuperSlab alive
    }
    g.bench_function("malloc 16 + free, magazine hits (x64)", |b| {
        b.iter_batched_ref(
            || base.clone(),
            |s| {
                let Sim { machine, buddy, pcp, superslab, .. } = s;
                let mut pages = PageCtx { machine, buddy, pcp };
                for _ in 0..64 {
                    let a = superslab.malloc(&mut pages, 16, 0, &mut CountSink::default()).unwrap();
                    superslab.free(&mut pages, black_box(a), 0, &mut CountSink::default());
                }
            },
            BatchSize::SmallInput,
        )
    });
    g.sample_size(10);
    // The seed's shape at scale: 500,000 malloc(16) then 500,000 frees = 1,000,000 ops.
    let src = "config superslab_release=on\nrepeat 500000 { malloc 16 as=p[] }\nfree p[*]\n";
    g.bench_function("build a 1,000,000-op SuperSlab session (500k malloc 16 + free all)", |b| {
        b.iter(|| black_box(slabscope_core::script::load(src, &MachineConfig::default(), &[]).unwrap().total_steps()))
    });
    let session = slabscope_core::script::load(src, &MachineConfig::default(), &[]).unwrap();
    g.bench_function("replay the 1,000,000-op SuperSlab session (every event)", |b| {
        b.iter(|| {
            let mut n = 0u64;
            session.for_each_event(|_, _| n += 1);
            black_box(n)
        })
    });
    g.finish();
}

fn seek(c: &mut Criterion) {
    let (mut s, retained) = big_session();
    println!(
        "session: {} ops, {} steps, {} checkpoints, retained {} bytes = {:.1} bytes/op",
        s.op_count(),
        s.total_steps(),
        s.checkpoint_count(),
        retained,
        retained as f64 / s.op_count() as f64
    );
    let total = s.total_steps();
    let mut rng = Rng::new(1);
    let mut g = c.benchmark_group("session (1M ops)");
    g.sample_size(30);
    g.bench_function("seek to a random step", |b| {
        b.iter(|| {
            s.seek(rng.below(total + 1));
            black_box(s.step())
        })
    });
    g.bench_function("step forward one event", |b| {
        b.iter(|| {
            let next = if s.step() >= total { 0 } else { s.step() + 1 };
            s.seek(next);
        })
    });
    g.bench_function("step back one event", |b| {
        b.iter(|| {
            let prev = if s.step() == 0 { total } else { s.step() - 1 };
            s.seek(prev);
        })
    });
    g.bench_function("snapshot at current step", |b| b.iter(|| black_box(s.snapshot())));
    g.finish();
}

/// Compare: two columns (SLUB, classic SLAB) of a 200,000-op mixed workload, moved together.
fn compare(c: &mut Criterion) {
    use slabscope_core::compare::{workload_ops, Comparison, Work};
    const OPS: usize = 200_000;
    let configs: Vec<MachineConfig> = ["slub", "slab"]
        .iter()
        .map(|p| {
            let mut m = MachineConfig::default();
            slabscope_core::script::set_config(&mut m, "slab", p).unwrap();
            m
        })
        .collect();
    let (names, ops) = workload_ops(&configs, 42, OPS, slabscope_core::workload::Mix::MIXED);
    let lines = vec![0; ops.len()];
    let work = Work::Ops { names: &names, ops: &ops, lines: &lines };
    let t = std::time::Instant::now();
    let mut cmp = Comparison::run(work, &MachineConfig::default(), &["slab=slub", "slab=slab"], OPS / 500).unwrap();
    println!("compare: built 2 x {OPS} ops with {} samples each in {:?}", cmp.sample_positions().len(), t.elapsed());
    let mut rng = Rng::new(3);
    let mut g = c.benchmark_group("compare (2 columns x 200k ops)");
    g.sample_size(20);
    g.bench_function("seek both columns to a random op", |b| {
        b.iter(|| {
            cmp.seek(rng.below(OPS as u64 + 1) as usize);
            black_box(cmp.columns[1].session.step())
        })
    });
    let mut p = OPS / 2;
    g.bench_function("step both columns forward one op", |b| {
        b.iter(|| {
            p = if p >= OPS { 0 } else { p + 1 };
            cmp.seek(p);
        })
    });
    g.bench_function("measures of both columns at a random op (seek + measure)", |b| {
        b.iter(|| black_box(cmp.measures_at(rng.below(OPS as u64 + 1) as usize)))
    });
    g.finish();
}

criterion_group!(benches, page_ops, slub_ops, other_policies, superslab_ops, seek, compare);
criterion_main!(benches);
