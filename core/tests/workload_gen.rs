//! The incremental workload generator (#14): the same ops as the one-shot `workload`, whatever
//! the chunk size, for several seeds, mixes and machines.

use slabscope_core::machine::MachineConfig;
use slabscope_core::names::Names;
use slabscope_core::op::Op;
use slabscope_core::workload::{workload, Generator, Mix};

/// FNV-1a over the ops' debug text: a fingerprint of a whole op list.
fn fingerprint(ops: &[Op]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for op in ops {
        for b in format!("{op:?};").bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn cases() -> Vec<(u64, u64, Mix, usize)> {
    let mut v = Vec::new();
    for (mem, n) in [(64u64 << 20, 20_000usize), (1 << 20, 5_000), (8 << 20, 10_000)] {
        for seed in [1u64, 7, 42] {
            for (_, mix) in Mix::PRESETS {
                v.push((mem, seed, mix, n));
            }
        }
    }
    v
}

/// Fingerprints of `workload` for [`cases`], taken with the one-shot generator before it was made
/// incremental (session 6, base c67f319): the refactor changed no op.
const BEFORE: [u64; 36] = [
    0xde9a04dd3675fd64,
    0x710ca6c8a58f7c5d,
    0xf5d31e80861034d,
    0xf7cc168e9fcbba32,
    0x9261da588447d653,
    0x784dc799a56b48b0,
    0x5ca65b2fc9753cf9,
    0x9216f5e90524a1bd,
    0xf62f098ffcdbef8f,
    0x28139aa1fefa2fd2,
    0x94c60d1e87882133,
    0x49db0e42eadfe537,
    0xcd9f8f40434a5cdb,
    0x1a0d7351309f3b04,
    0xcd9f8f40434a5cdb,
    0x8f3a5b7135bbe451,
    0x56612182d1ab2b9e,
    0x851e6b6e88b29c89,
    0x56612182d1ab2b9e,
    0x415773ef92f30d2a,
    0xb46541e2637811f4,
    0x57f67f5a88b37e14,
    0xb46541e2637811f4,
    0x8d6ff055529403bf,
    0x106cdd52c9f740e6,
    0xcef58bb3e25cc8da,
    0x3fb568e9401fef89,
    0xa50ece519cebc87e,
    0x20d93acab66138b2,
    0x2efc99e9eb4469c4,
    0x38d1d2d85d78dedc,
    0xfec17c544626f195,
    0x4cea0bf048e9c5d1,
    0x3438569df5cbf0f7,
    0x47c6b5fa6b483544,
    0x816c231b7631a8a,
];

#[test]
fn the_one_shot_workload_is_unchanged() {
    for ((mem, seed, mix, n), want) in cases().into_iter().zip(BEFORE) {
        let config = MachineConfig { mem_bytes: mem, ..Default::default() };
        let ops = workload(&config, seed, n, mix, &mut Names::default());
        assert_eq!(ops.len(), n);
        assert_eq!(fingerprint(&ops), want, "mem={mem} seed={seed} {mix:?}");
    }
}

/// Chunks of any size (1, odd sizes, larger than the whole) give the one-shot's ops and names.
#[test]
fn the_generator_in_chunks_makes_the_one_shot_ops() {
    for (mem, seed, mix, n) in cases().into_iter().step_by(5) {
        let config = MachineConfig { mem_bytes: mem, ..Default::default() };
        let mut names_once = Names::default();
        let once = workload(&config, seed, n, mix, &mut names_once);
        for chunk in [1usize, 7, 999, 4096, n + 1] {
            let mut names = Names::default();
            let mut g = Generator::new(&config, seed, mix, &mut names);
            let mut ops = Vec::new();
            while ops.len() < n {
                g.fill(chunk.min(n - ops.len()), &mut ops);
            }
            assert_eq!(g.made(), n as u64);
            assert_eq!(ops, once, "mem={mem} seed={seed} {mix:?} chunk={chunk}");
            let texts = |n: &Names| (0..n.len() as u32).map(|i| n.name(i).to_string()).collect::<Vec<_>>();
            assert_eq!(texts(&names), texts(&names_once));
        }
        // A prefix of a longer workload is the shorter workload.
        let longer = workload(&config, seed, n + 500, mix, &mut Names::default());
        assert_eq!(&longer[..n], &once[..]);
    }
}
