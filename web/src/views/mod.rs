//! One component per view.
pub mod buddy_map;
pub mod chart;
pub mod event_log;
pub mod lessons;
pub mod timeline;
