//! One component per view.
pub mod cache_view;
pub mod caches_table;
pub mod chart;
pub mod ctx;
pub mod event_log;
pub mod free_lists;
pub mod inspector;
pub mod layers;
pub mod lessons;
pub mod memory_map;
pub mod percpu_view;
pub mod sandbox_panel;
pub mod selection_path;
pub mod slab_charts;
pub mod slabinfo_panel;
pub mod superslab_view;
pub mod timeline;
