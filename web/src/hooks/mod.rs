//! Hooks of the app shell: keyboard shortcuts, playback timers, the URL, the document's
//! language and theme, and work done in chunks (trace replay, large workloads).

mod chunk;
mod keyboard;
pub mod playback;
mod resize;
pub mod retire;
mod score;
pub mod series;
mod theme;
pub mod url;

pub use chunk::use_chunked_work;
pub use keyboard::use_keyboard;
pub use playback::use_playback;
pub use resize::use_resize_report;
pub use retire::use_drop_retired;
pub use score::use_score_post;
pub use series::use_session_series;
pub use theme::use_document_settings;
pub use url::use_url_sync;
