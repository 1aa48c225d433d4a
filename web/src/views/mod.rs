//! One component per view.
pub mod buddyinfo;
pub mod cache_view;
pub mod caches_table;
pub mod chart;
pub mod compare;
pub mod compare_charts;
pub mod compare_diff;
pub mod ctx;
pub mod event_log;
pub mod exercise;
pub mod export;
pub mod free_lists;
pub mod inspector;
pub mod layers;
pub mod lessons;
pub mod memory_map;
pub mod percpu_view;
pub mod plot;
pub mod rich;
pub mod sandbox_panel;
pub mod selection_path;
pub mod slab_charts;
pub mod slabinfo_panel;
pub mod slob_view;
pub mod superslab_view;
pub mod svg_num;
pub mod timeline;
pub mod trace_lineage;
pub mod trace_panel;
pub mod trace_report;

/// The snapshot at every step of an example script's session (for the views' tests of what a
/// step re-renders).
#[cfg(test)]
pub(crate) fn snapshots_of_every_step(src: &str) -> Vec<std::rc::Rc<slabscope_core::snapshot::Snapshot>> {
    let config = slabscope_core::machine::MachineConfig::default();
    let mut s = slabscope_core::script::load(src, &config, &[]).expect("example loads");
    (0..=s.total_steps())
        .map(|k| {
            s.seek(k);
            std::rc::Rc::new(s.snapshot())
        })
        .collect()
}
