//! Messages name the policy that runs and what it checks: a double free under classic SLAB,
//! AetherOS, SLOB, magazines and sheaves says nothing of slub_debug or SLUB freelists; `reap`
//! names the policy it is not available with.

use slabscope_core::machine::MachineConfig;
use slabscope_core::script;

fn error_of(src: &str) -> String {
    match script::load(src, &MachineConfig::default(), &[]) {
        Ok(_) => panic!("expected an error from:\n{src}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_double_free_names_the_policy_and_what_it_checks() {
    for (config, says) in [
        ("slab=slab", "classic SLAB (slab=slab) would put it in the CPU's array_cache"),
        ("slab=aether", "the AetherOS allocator (slab=aether) checks"),
        ("slab=slob", "SLOB (slab=slob) checks nothing"),
        ("percpu=magazine", "a magazine takes any object"),
        ("slab=sheaves", "a sheaf takes any object"),
    ] {
        let e = error_of(&format!(
            "config {config}\ncache create c size=40\ncache alloc c as=x\ncache free x\ncache free x\n"
        ));
        assert!(e.contains("double free: `x`"), "{config}: {e}");
        assert!(e.contains(says), "{config}: {e}");
        assert!(!e.contains("slub_debug") && !e.contains("freelist"), "{config}: {e}");
    }
    // Plain SLUB keeps its slub_debug wording.
    let e = error_of("cache create c size=40\ncache alloc c as=x\ncache free x\ncache free x\n");
    assert!(e.contains("without slub_debug=F"), "{e}");
    let e = error_of("cache create c size=40 flags=checks\ncache alloc c as=x\ncache free x\ncache free x\n");
    assert!(e.contains("SLUB's consistency checks"), "{e}");
}

#[test]
fn reap_names_the_policy_it_is_not_for() {
    for policy in ["slub", "sheaves", "aether", "slob"] {
        let e = error_of(&format!("config slab={policy}\nreap\n"));
        assert!(e.contains(&format!("reap is not available with slab={policy}")), "{policy}: {e}");
    }
    // Classic SLAB's cache_reap and the magazine depot's reaping run.
    for config in ["slab=slab", "percpu=magazine"] {
        script::load(&format!("config {config}\nkmalloc 64 as=x\nreap\n"), &MachineConfig::default(), &[])
            .unwrap_or_else(|e| panic!("{config}: {e}"));
    }
}

#[test]
fn a_front_end_cache_destroy_flushes_its_arrays_and_counts_only_users() {
    for config in ["slab=sheaves cpus=2", "percpu=magazine cpus=2"] {
        let ok = format!("config {config}\ncache create c size=40\nrepeat 50 {{ cache alloc c cpu=0 as=x[] }}\ncache free x[*] cpu=1\ncache destroy c\n");
        let s = script::load(&ok, &MachineConfig::default(), &[]).unwrap_or_else(|e| panic!("{config}: {e}"));
        s.head().check().unwrap_or_else(|e| panic!("{config}: {e}"));
        assert!(s.head().slab.cache_by_name("c").is_none(), "{config}: destroyed");
        // With users left, the error counts them, not the objects parked in the arrays.
        let busy = format!("config {config}\ncache create c size=40\nrepeat 50 {{ cache alloc c as=x[] }}\ncache free x[0]\ncache free x[1]\nrepeat 3 {{ cache alloc c as=y[] }}\ncache destroy c\n");
        let e = error_of(&busy);
        assert!(e.contains("cache `c` still has 51 allocated object(s)"), "{config}: {e}");
    }
}
