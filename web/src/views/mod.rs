//! One component per view.
pub mod chart;
pub mod event_log;
pub mod free_lists;
pub mod lessons;
pub mod memory_map;
pub mod sandbox_panel;
pub mod timeline;
