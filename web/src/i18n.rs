//! The i18n catalogue: every user-facing string, in English and Japanese.
//! Event sentences come from the core's message keys (`Event::message`).

use slabscope_core::event::{Arg, Message};
use slabscope_core::names::Names;

/// UI language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ja => "ja",
        }
    }
    pub fn from_code(s: &str) -> Option<Lang> {
        match s {
            "en" => Some(Lang::En),
            "ja" => Some(Lang::Ja),
            _ => None,
        }
    }
}

/// The catalogue's rows are `(key, English, Japanese)`. The Japanese column is compiled into
/// native builds only (the tests, the generator of [`JA_FILE`]): the WebAssembly bundle holds
/// keys and English, and the Japanese texts are fetched from [`JA_FILE`] beside the bundle when
/// the page is first shown in Japanese (#14: the bundle's size; an English reader does not
/// download them). `web/i18n-ja.tsv` is made from this table and a test keeps it current.
macro_rules! catalogue {
    ($(($key:expr, $en:expr, $ja:expr $(,)?)),* $(,)?) => {
        #[cfg(not(target_arch = "wasm32"))]
        const CATALOGUE: &[(&str, &str, &str)] = &[$(($key, $en, $ja)),*];
        #[cfg(target_arch = "wasm32")]
        const CATALOGUE: &[(&str, &str)] = &[$(($key, $en)),*];
    };
}

catalogue![
    ("app.title", "Slabscope", "Slabscope"),
    ("app.tagline", "Watch a kernel memory allocator work, one step at a time.", "カーネルのメモリアロケータの動きを一歩ずつ観察します。"),
    ("ui.step", "Step", "ステップ"),
    ("ui.back", "Back", "戻る"),
    ("ui.reset", "Start", "最初へ"),
    ("ui.end", "End", "最後へ"),
    ("ui.play", "Play", "再生"),
    ("ui.pause", "Pause", "一時停止"),
    ("ui.event_back", "◀ Event", "◀ イベント"),
    ("ui.event_next", "Event ▶", "イベント ▶"),
    ("ui.speed", "{n} steps/s", "{n} ステップ/秒"),
    ("ui.timeline", "Timeline: drag to any step", "タイムライン：任意のステップへドラッグ"),
    ("ui.playback", "Playback", "再生操作"),
    ("ui.event_log", "Steps of this operation", "この操作のステップ"),
    ("ui.open_trace", "Open a perf trace…", "perf トレースを開く…"),
    ("ui.theme_system", "Theme: system", "テーマ：システム"),
    ("ui.theme_dark", "Theme: dark", "テーマ：ダーク"),
    ("ui.theme_light", "Theme: light", "テーマ：ライト"),
    ("ui.copy_link", "Copy link", "リンクをコピー"),
    ("ui.copied", "Link copied", "リンクをコピーしました"),
    ("ui.copy_failed", "Copy failed: use the address bar", "コピーできません：アドレスバーを使ってください"),
    ("ui.loading", "Replaying {name}…", "{name} を再生中…"),
    ("ui.shortcuts", "Keyboard shortcuts", "キーボードショートカット"),
    ("ui.shortcuts_text", "← / → one step · Shift+← / Shift+→ one operation · Space play/pause · Home / End · [ and ] speed · ? this help", "← / → 1 ステップ · Shift+← / Shift+→ 1 操作 · Space 再生/一時停止 · Home / End · [ と ] 速度 · ? このヘルプ"),
    ("ui.counter", "step {step} / {total} · operation {op} / {ops}", "ステップ {step} / {total} · 操作 {op} / {ops}"),
    ("ui.memory_map", "Physical memory by owner", "所有者別の物理メモリ"),
    ("ui.chart", "Free blocks per order (nr_free)", "オーダー別の空きブロック数 (nr_free)"),
    ("ui.buddyinfo", "/proc/buddyinfo", "/proc/buddyinfo"),
    ("ui.legend.free", "free block", "空きブロック"),
    ("ui.legend.used", "allocated", "割り当て済み"),
    ("ui.legend.pcp", "on a per-CPU list", "per-CPU リスト上"),
    ("ui.legend.transit", "moving between lists", "リスト間を移動中"),
    ("ui.start", "Booted: all memory is free in the buddy allocator.", "起動直後：全メモリがバディアロケータの空きリストにあります。"),
    ("ui.op", "Operation: {op}", "操作：{op}"),
    ("ui.lang", "日本語", "English"),
    ("lesson.index", "Lessons", "レッスン一覧"),
    ("lesson.level1", "First steps", "はじめの一歩"),
    ("lesson.level2", "Intermediate", "中級"),
    ("lesson.level3", "Advanced", "上級"),
    ("lesson.minutes", "{n} min", "約 {n} 分"),
    ("lesson.requires", "Take first: {list}", "先に学ぶもの：{list}"),
    ("lesson.not_started", "not started", "未着手"),
    ("lesson.progress", "step {step} of {total}", "{total} ステップ中 {step}"),
    ("lesson.done", "done ✓", "完了 ✓"),
    ("lesson.start", "Start", "始める"),
    ("lesson.continue", "Continue", "続きから"),
    ("lesson.player", "Lesson", "レッスン"),
    ("lesson.steps", "Lesson steps", "レッスンのステップ"),
    ("lesson.step_of", "Step {step} of {total}", "ステップ {step} / {total}"),
    ("lesson.goto", "Go to step {n}", "ステップ {n} へ"),
    ("lesson.prev", "◀ Previous", "◀ 前へ"),
    ("lesson.next", "Next ▶", "次へ ▶"),
    ("lesson.back_to_index", "All lessons", "レッスン一覧へ"),
    ("lesson.predict", "Predict first: answer the question to run this step.", "まず予想しましょう。質問に答えるとこのステップが実行されます。"),
    ("lesson.skip", "Skip the question", "質問をとばす"),
    ("lesson.right", "Right.", "正解です。"),
    ("lesson.wrong", "Not quite: the right answer is marked.", "惜しい！正解に印を付けました。"),
    ("lesson.skipped", "Skipped: the right answer is shown.", "とばしました。正解を表示しています。"),
    ("lesson.click_object", "Click the object you predict the allocation will return.", "割り当てで返されると思うオブジェクトをクリックしてください。"),
    ("lesson.objects", "Objects of the cache (free ones can be clicked)", "キャッシュのオブジェクト（空きのものをクリックできます）"),
    ("lesson.checks", "Checks the simulation ran at this step", "このステップでシミュレーションが確かめた値"),
    ("lesson.check_value", "(now {value})", "（現在 {value}）"),
    ("lesson.refused", "Refused, nothing changed:", "拒否され、何も変わりませんでした："),
    ("lesson.embed_code", "Embed this lesson in a course page", "このレッスンを授業ページに埋め込む"),
    ("lesson.copy_embed", "Copy embed code", "埋め込みコードをコピー"),
    ("lesson.embed_copied", "Embed code copied", "埋め込みコードをコピーしました"),
    ("embed.bad_params", "Some address parameters were not understood", "アドレスのパラメータに解釈できないものがあります"),
    ("ui.panic", "Slabscope hit an internal error. Please copy this text into a bug report:", "Slabscope で内部エラーが発生しました。次のテキストをバグ報告に貼り付けてください："),
    ("chart.order", "order", "オーダー"),
    ("chart.step", "step", "ステップ"),
    ("chart.pages", "pages", "ページ数"),
    ("chart.free_pages", "free pages", "空きページ"),
    ("chart.slab_pages", "slab pages", "スラブのページ"),
    ("chart.superslab_pages", "SuperSlab pages", "SuperSlab のページ"),
    ("ui.timeline_chart", "Memory over the whole session (cursor: current step)", "セッション全体のメモリ（縦線：現在のステップ）"),
    ("ui.command", "Operation (op language)", "操作（op 言語）"),
    ("ui.command_hint", "e.g. kmalloc 64 as=x · pages alloc order=2 as=p · config slab=slab mem=1M", "例：kmalloc 64 as=x · pages alloc order=2 as=p · config slab=slab mem=1M"),
    ("ui.run", "Run", "実行"),
    // --- visualizer I ---
    ("ui.mode", "Mode", "モード"),
    ("ui.mode.lessons", "Lessons", "レッスン"),
    ("ui.mode.sandbox", "Sandbox", "サンドボックス"),
    ("ui.mode.trace", "Trace", "トレース"),
    ("ui.notice", "Link parameters ignored: {text}", "リンクのパラメータを無視しました：{text}"),
    ("ui.ops.heading", "Common operations", "よく使う操作"),
    ("ui.ops.alloc0", "1 page", "1 ページ"),
    ("ui.ops.alloc2", "4 pages", "4 ページ"),
    ("ui.ops.free_page", "free last pages", "最後のページを解放"),
    ("ui.ops.kmalloc64", "64 bytes", "64 バイト"),
    ("ui.ops.kmalloc256", "256 bytes", "256 バイト"),
    ("ui.ops.kfree", "kfree last", "最後を kfree"),
    ("ui.ops.malloc", "SuperSlab block", "SuperSlab ブロック"),
    ("ui.ops.free_block", "free last block", "最後のブロックを解放"),
    ("ui.ops.shrink", "shrink caches", "キャッシュを縮小"),
    ("ui.wl.heading", "Workload generator", "ワークロード生成"),
    ("ui.wl.seed", "seed", "シード"),
    ("ui.wl.count", "operations", "操作数"),
    ("ui.wl.mix", "mix", "種類"),
    ("ui.wl.run", "Generate", "生成"),
    ("ui.wl.busy", "Generating…", "生成中…"),
    ("ui.wl.bad_count", "The number of operations must be 1 to {max}.", "操作数は 1〜{max} にしてください。"),
    ("ui.mix.pages", "pages (orders 0–3)", "ページ（オーダー 0〜3）"),
    ("ui.mix.slab", "kmalloc objects", "kmalloc オブジェクト"),
    ("ui.mix.superslab", "SuperSlab blocks", "SuperSlab ブロック"),
    ("ui.mix.mixed", "mixed", "混合"),
    ("ui.cfg.heading", "Machine configuration", "マシン構成"),
    ("ui.cfg.mem", "memory", "メモリ"),
    ("ui.cfg.cpus", "CPUs", "CPU 数"),
    ("ui.cfg.nodes", "NUMA nodes", "NUMA ノード数"),
    ("ui.cfg.seed", "seed", "シード"),
    ("ui.cfg.pcp", "per-CPU page lists", "per-CPU ページリスト"),
    ("ui.cfg.hardened", "hardened freelists", "フリーリスト強化"),
    ("ui.cfg.freelist_random", "random freelists", "フリーリストのランダム化"),
    ("ui.cfg.superslab_release", "release empty SuperSlabs", "空の SuperSlab を返却"),
    ("ui.cfg.slab", "slab allocator", "スラブアロケータ"),
    ("ui.cfg.slab.slub", "SLUB", "SLUB"),
    ("ui.cfg.slab.sheaves", "SLUB + sheaves (7.0)", "SLUB + sheaves (7.0)"),
    ("ui.cfg.slab.slab", "classic SLAB", "旧 SLAB"),
    ("ui.cfg.slab.aether", "AetherOS SLUB", "AetherOS SLUB"),
    ("ui.cfg.slab.slob", "SLOB (first fit, tiny machines)", "SLOB（ファーストフィット、小型機向け）"),
    ("ui.cfg.percpu", "per-CPU arrays", "per-CPU 配列"),
    ("ui.cfg.percpu.none", "none", "なし"),
    ("ui.cfg.percpu.magazine", "magazines", "マガジン"),
    ("ui.cfg.slub_debug", "slub_debug", "slub_debug"),
    ("ui.cfg.per_cpu_cache_size", "per-CPU cache size", "per-CPU キャッシュサイズ"),
    ("ui.cfg.bulk_transfer_size", "bulk transfer", "一括転送数"),
    ("ui.cfg.max_color_offset", "max colour offset", "最大カラーオフセット"),
    ("ui.cfg.slab_release_threshold", "release threshold %", "返却しきい値 %"),
    ("ui.cfg.emergency_shrink_ratio", "emergency shrink %", "緊急縮小率 %"),
    ("ui.cfg.apply", "Rebuild machine", "マシンを再構築"),
    ("ui.script.download", "Download script (.ops)", "スクリプトを保存 (.ops)"),
    ("ui.script.upload", "Open script (.ops)…", "スクリプトを開く (.ops)…"),
    ("ui.trace.heading", "Replay a perf trace", "perf トレースの再生"),
    ("ui.trace.help", "Open or drop a `perf script` output of the kmem tracepoints (plain or gzip).", "kmem トレースポイントの `perf script` 出力（テキストまたは gzip）を開くか、ドロップしてください。"),
    ("ui.trace.none", "No trace loaded yet.", "トレースはまだ読み込まれていません。"),
    ("ui.buddy.heading", "Buddy free lists (free_area)", "バディの空きリスト (free_area)"),
    ("ui.buddy.node", "Node {node}, zone Normal: pfn {start}, {pages} pages", "ノード {node}・ゾーン Normal：pfn {start} から {pages} ページ"),
    ("ui.buddy.order", "list", "リスト"),
    ("ui.buddy.blocks", "blocks (first pfn, head first)", "ブロック（先頭 pfn、リスト先頭から）"),
    ("ui.buddy.list", "free_area[{order}] of node {node}", "ノード {node} の free_area[{order}]"),
    ("ui.buddy.more", "+{n} more", "ほか {n} 個"),
    ("ui.buddy.kept", "kept: pfn {pfn}", "残す：pfn {pfn}"),
    ("ui.buddy.freed", "freed: pfn {pfn}", "空きへ：pfn {pfn}"),
    ("ui.buddy.split_caption", "A block split in two halves", "2 つに分割されるブロック"),
    ("ui.buddy.split_text", "Split: an order-{from} block becomes two order-{order} buddies; the low half is kept, the high half goes to free_area[{order}].", "分割：オーダー {from} のブロックがオーダー {order} のバディ 2 つになり、下半分を残し、上半分を free_area[{order}] へ入れます。"),
    ("ui.buddy.idle", "Splits and merges of the current step are drawn here.", "現在のステップの分割と結合をここに描きます。"),
    ("ui.buddy.merge_caption", "Two buddies merge", "結合する 2 つのバディ"),
    ("ui.buddy.merge_text", "Merge: pfn {pfn} and its buddy pfn {buddy} (= {pfn} XOR 2^{order}) become one block at pfn {merged}.", "結合：pfn {pfn} とバディ pfn {buddy}（= {pfn} XOR 2^{order}）が pfn {merged} の 1 ブロックになります。"),
    ("ui.map.label", "Physical memory map; + and − zoom, arrow keys move between pages", "物理メモリマップ：+ と − で拡大縮小、矢印キーでページ移動"),
    ("ui.map.zoom", "Zoom", "拡大縮小"),
    ("ui.map.zoom_in", "Zoom in", "拡大"),
    ("ui.map.zoom_out", "Zoom out", "縮小"),
    ("ui.map.prev", "Previous part of memory", "前のメモリ範囲"),
    ("ui.map.next", "Next part of memory", "次のメモリ範囲"),
    ("ui.map.scale", "1 cell = {n} page(s) · pfn {from}–{to}", "1 マス = {n} ページ · pfn {from}〜{to}"),
    ("ui.map.hint", "Point at a page (or focus the map and use the arrow keys) for its details; click it (or press Enter) to select it in every view.", "ページを指す（またはマップにフォーカスして矢印キー）と詳細を表示します。クリック（または Enter）で全ビューで選択します。"),
    ("ui.map.hint_short", "Point at a page for its details; click to select it.", "ページを指すと詳細を、クリックで選択します。"),
    ("ui.map.cell", "cell pfn {from}–{to} → {details}", "マス pfn {from}〜{to} → {details}"),
    ("ui.legend.pages", "page allocation", "ページ割り当て"),
    ("ui.legend.large", "large kmalloc", "大きな kmalloc"),
    ("ui.legend.slab", "slab (colour = cache)", "スラブ（色 = キャッシュ）"),
    ("ui.legend.superslab", "SuperSlab", "SuperSlab"),
    ("ui.page.details", "pfn {pfn} · node {node} · block pfn {from}–{to} (order {order}) · {owner}", "pfn {pfn} · ノード {node} · ブロック pfn {from}〜{to}（オーダー {order}）· {owner}"),
    ("ui.page.free", "free block of order {order}", "オーダー {order} の空きブロック"),
    ("ui.page.pcp", "on CPU {cpu}'s per-CPU list", "CPU {cpu} の per-CPU リスト上"),
    ("ui.page.pages", "pages allocated to `{name}`", "`{name}` に割り当てたページ"),
    ("ui.page.large", "large kmalloc `{name}`", "大きな kmalloc `{name}`"),
    ("ui.page.slab", "slab of cache {cache}", "キャッシュ {cache} のスラブ"),
    ("ui.page.superslab", "SuperSlab #{id}", "SuperSlab #{id}"),
    ("ui.orders_chart", "Free blocks per order over the session", "セッション中のオーダー別空きブロック数"),
    ("ui.frag_chart", "External fragmentation (unusable free space index)", "外部断片化（使用不能な空き領域の指標）"),
    ("chart.order_n", "order {n}", "オーダー {n}"),
    ("chart.unusable", "unusable index", "使用不能指標"),
    ("chart.resident_scale", "slab / SuperSlab pages", "スラブ / SuperSlab ページ"),
    ("chart.blocks", "blocks", "ブロック数"),
    // Events (keys from slabscope_core::event::Event::message).
    ("buddy.area_empty", "free_area[{order}] on node {node} is empty: look at the next order.", "ノード {node} の free_area[{order}] は空です。次のオーダーを調べます。"),
    ("buddy.taken", "Took the first block of free_area[{order}] on node {node}: pfn {pfn}.", "ノード {node} の free_area[{order}] の先頭ブロック（pfn {pfn}）を取り出しました。"),
    ("buddy.split", "Split the order-{from} block at pfn {pfn} into two order-{order} halves: keep pfn {pfn}, free pfn {buddy}.", "pfn {pfn} のオーダー {from} ブロックを2つのオーダー {order} に分割：pfn {pfn} を残し、pfn {buddy} を空きリストへ。"),
    ("buddy.allocated", "Allocated {pages} page(s) at pfn {pfn} (order {order}) to {owner}.", "pfn {pfn} から {pages} ページ（オーダー {order}）を {owner} に割り当てました。"),
    ("buddy.released", "Freeing {pages} page(s) at pfn {pfn} (order {order}).", "pfn {pfn} の {pages} ページ（オーダー {order}）を解放します。"),
    ("buddy.merged", "Buddy pfn {buddy} (= {pfn} XOR 2^{order}) is free: merged into an order-{to} block at pfn {merged}.", "バディ pfn {buddy}（= {pfn} XOR 2^{order}）が空き：pfn {merged} のオーダー {to} ブロックに結合しました。"),
    ("buddy.merge_stop_busy", "Buddy pfn {buddy} is not a free order-{order} block: merging stops.", "バディ pfn {buddy} はオーダー {order} の空きブロックではないため、結合を終えます。"),
    ("buddy.merge_stop_zone", "Buddy pfn {buddy} lies outside this zone: merging stops.", "バディ pfn {buddy} はこのゾーンの外にあるため、結合を終えます。"),
    ("buddy.merge_stop_max", "The block at pfn {pfn} has the maximum order {order}: merging stops.", "pfn {pfn} のブロックは最大オーダー {order} に達したため、結合を終えます。"),
    ("buddy.inserted_head", "Put the order-{order} block at pfn {pfn} at the head of free_area[{order}].", "pfn {pfn} のオーダー {order} ブロックを free_area[{order}] の先頭に入れました。"),
    ("buddy.inserted_tail_boot", "Boot: added the order-{order} block at pfn {pfn} to the tail of free_area[{order}].", "起動時：pfn {pfn} のオーダー {order} ブロックを free_area[{order}] の末尾に追加しました。"),
    ("buddy.inserted_tail_merge", "Put the order-{order} block at pfn {pfn} at the tail of free_area[{order}]: its next-order buddy is free, so it will likely merge soon.", "pfn {pfn} のオーダー {order} ブロックを free_area[{order}] の末尾に入れました（上位のバディが空きで、すぐ結合しそうなため）。"),
    ("buddy.fallback", "Node {from} has no free block of order {order}: falling back to node {to}.", "ノード {from} にオーダー {order} の空きがないため、ノード {to} にフォールバックします。"),
    ("pcp.refill", "CPU {cpu}'s order-{order} per-CPU list is empty: refill {count} block(s) from the buddy allocator.", "CPU {cpu} のオーダー {order} per-CPU リストが空：バディから {count} ブロック補充します。"),
    ("pcp.added", "Added pfn {pfn} (order {order}) to CPU {cpu}'s per-CPU list.", "pfn {pfn}（オーダー {order}）を CPU {cpu} の per-CPU リストに追加しました。"),
    ("pcp.taken", "Fast path: took pfn {pfn} from the head of CPU {cpu}'s order-{order} list.", "高速パス：CPU {cpu} のオーダー {order} リスト先頭から pfn {pfn} を取りました。"),
    ("pcp.drain", "CPU {cpu} holds at least high = {high} pages: drain {count} pages back to the buddy allocator.", "CPU {cpu} のページ数が high = {high} に達したため、{count} ページをバディへ返します。"),
    ("pcp.removed", "Took pfn {pfn} (order {order}) from the tail of CPU {cpu}'s list to free it.", "CPU {cpu} のリスト末尾から pfn {pfn}（オーダー {order}）を取り出して解放します。"),
    ("pcp.drain_all", "No node has a free block of order {order}, but per-CPU lists hold pages: drain them all back to the buddy allocator and retry.", "オーダー {order} の空きブロックがどのノードにもありませんが、per-CPU リストにページがあります。すべてバディへ戻して再試行します。"),
    ("script.shown", "Displayed {what}.", "{what} を表示しました。"),
    ("script.bound", "Named the block at pfn {pfn} (order {order}) `{name}`.", "pfn {pfn}（オーダー {order}）のブロックを `{name}` と名付けました。"),
    ("script.appended", "Appended the block at pfn {pfn} (order {order}) to list `{name}`.", "pfn {pfn}（オーダー {order}）のブロックをリスト `{name}` に追加しました。"),
    ("script.unbound", "`{name}` is freed and no longer names anything.", "`{name}` は解放され、何も指さなくなりました。"),
    ("script.list_removed", "Removed element {index} from list `{name}`.", "リスト `{name}` から要素 {index} を取り除きました。"),
    ("script.list_empty", "List `{name}` is empty: nothing to free.", "リスト `{name}` は空なので、解放するものはありません。"),
    ("slab.cache_created", "Created cache {cache} for {size}-byte objects.", "{size} バイトのオブジェクト用にキャッシュ {cache} を作成しました。"),
    ("slab.cache_aliased", "`{name}` is compatible with cache {cache}: it becomes an alias (the caches merge).", "`{name}` はキャッシュ {cache} と互換なので、その別名になりました（キャッシュのマージ）。"),
    ("slab.cache_destroyed", "Destroyed the cache name `{name}`.", "キャッシュ名 `{name}` を破棄しました。"),
    ("slab.new", "New slab for {cache}: {pages} page(s) at pfn {pfn} hold {objects} objects; their free pointers are written into the objects.", "{cache} の新しいスラブ：pfn {pfn} の {pages} ページに {objects} 個のオブジェクト。フリーポインタはオブジェクト内に書き込まれます。"),
    ("slab.discard", "The empty slab at pfn {pfn} of {cache} is discarded: its pages go back to the page allocator.", "{cache} の空きスラブ（pfn {pfn}）を破棄し、ページをページアロケータへ返します。"),
    ("slub.freeze", "CPU {cpu} makes the slab at pfn {pfn} its cpu slab for {cache}: the slab's freelist becomes the CPU's lockless freelist.", "CPU {cpu} は pfn {pfn} のスラブを {cache} の CPU スラブにしました。スラブのフリーリストが CPU のロックレスなフリーリストになります。"),
    ("slub.reload", "CPU {cpu} reloads its cpu slab (pfn {pfn}) of {cache}: objects other CPUs freed into it become usable.", "CPU {cpu} は {cache} の CPU スラブ（pfn {pfn}）を再読み込みし、他の CPU が解放したオブジェクトを使えるようにしました。"),
    ("slub.cpu_slab_full", "The cpu slab at pfn {pfn} of {cache} is full: it leaves CPU {cpu} and sits on no list.", "{cache} の CPU スラブ（pfn {pfn}）は満杯のため CPU {cpu} から外れ、どのリストにも載りません。"),
    ("slub.deactivate", "CPU {cpu} gives up its cpu slab (pfn {pfn}) of {cache}: its free objects go back to the slab.", "CPU {cpu} は {cache} の CPU スラブ（pfn {pfn}）を手放し、空きオブジェクトをスラブに戻しました。"),
    ("slub.alloc_fast", "Fast path: CPU {cpu} takes {addr} from its lockless freelist of {cache}.", "高速パス：CPU {cpu} が {cache} のロックレスなフリーリストから {addr} を取りました。"),
    ("slub.alloc_cpu_slab", "Slow path: CPU {cpu} takes {addr} from its cpu slab's own freelist ({cache}).", "低速パス：CPU {cpu} が CPU スラブ自身のフリーリストから {addr} を取りました（{cache}）。"),
    ("slub.alloc_cpu_partial", "Slow path: CPU {cpu} takes {addr} from a slab off its partial list ({cache}).", "低速パス：CPU {cpu} がパーシャルリストのスラブから {addr} を取りました（{cache}）。"),
    ("slub.alloc_node_partial", "Slow path: CPU {cpu} takes {addr} from a slab off the node's partial list ({cache}).", "低速パス：CPU {cpu} がノードのパーシャルリストのスラブから {addr} を取りました（{cache}）。"),
    ("slub.alloc_remote", "Slow path: CPU {cpu} takes {addr} from another node's partial slab ({cache}).", "低速パス：CPU {cpu} が別ノードのパーシャルスラブから {addr} を取りました（{cache}）。"),
    ("slub.alloc_new_slab", "Slow path: CPU {cpu} takes {addr} from a brand-new slab ({cache}).", "低速パス：CPU {cpu} が新しいスラブから {addr} を取りました（{cache}）。"),
    ("slub.alloc_debug", "No cpu slab (a debug cache, or Linux 7.0): {addr} is taken straight from a node partial slab ({cache}).", "CPU スラブなし（デバッグキャッシュ、または Linux 7.0）：{addr} をノードのパーシャルスラブから直接取りました（{cache}）。"),
    ("slub.free_fast", "Fast path: {addr} belongs to CPU {cpu}'s cpu slab, so it goes on the lockless freelist ({cache}).", "高速パス：{addr} は CPU {cpu} の CPU スラブに属するので、ロックレスなフリーリストに戻しました（{cache}）。"),
    ("slub.free_slab", "Slow path: {addr} is not in CPU {cpu}'s cpu slab, so it goes on its slab's own freelist ({cache}).", "低速パス：{addr} は CPU {cpu} の CPU スラブに属さないので、そのスラブ自身のフリーリストに戻しました（{cache}）。"),
    ("slub.cpu_partial_push", "The slab at pfn {pfn} goes to the head of CPU {cpu}'s partial list ({cache}).", "pfn {pfn} のスラブを CPU {cpu} のパーシャルリストの先頭に入れました（{cache}）。"),
    ("slub.cpu_partial_pop", "The slab at pfn {pfn} leaves CPU {cpu}'s partial list ({cache}).", "pfn {pfn} のスラブが CPU {cpu} のパーシャルリストから外れました（{cache}）。"),
    ("slub.node_partial_head", "The slab at pfn {pfn} goes to the head of node {node}'s partial list ({cache}).", "pfn {pfn} のスラブをノード {node} のパーシャルリストの先頭に入れました（{cache}）。"),
    ("slub.node_partial_tail", "The slab at pfn {pfn} goes to the tail of node {node}'s partial list ({cache}).", "pfn {pfn} のスラブをノード {node} のパーシャルリストの末尾に入れました（{cache}）。"),
    ("slub.node_partial_remove", "The slab at pfn {pfn} leaves node {node}'s partial list ({cache}).", "pfn {pfn} のスラブがノード {node} のパーシャルリストから外れました（{cache}）。"),
    ("slub.slow_freelist_empty", "CPU {cpu}'s lockless freelist of {cache} is empty: take the slow path.", "CPU {cpu} の {cache} ロックレスフリーリストが空なので、低速パスに入ります。"),
    ("slub.slow_cpu_slab_full", "CPU {cpu}'s cpu slab of {cache} has no free objects left.", "CPU {cpu} の {cache} CPU スラブには空きオブジェクトがありません。"),
    ("slub.slow_node_mismatch", "CPU {cpu}'s cpu slab of {cache} is on the wrong node for this request.", "CPU {cpu} の {cache} CPU スラブは要求されたノードにありません。"),
    ("slub.slow_new_slab", "No partial slab of {cache} is available to CPU {cpu}: a new slab is needed.", "CPU {cpu} が使える {cache} のパーシャルスラブがないため、新しいスラブが必要です。"),
    ("slub.slow_cpu_partial_full", "CPU {cpu}'s partial list of {cache} is at its limit: the whole list moves to the node.", "CPU {cpu} の {cache} パーシャルリストが上限に達したため、リスト全体をノードへ移します。"),
    ("script.bound_object", "Named the object at {addr} `{name}`.", "{addr} のオブジェクトを `{name}` と名付けました。"),
    ("script.appended_object", "Appended the object at {addr} to list `{name}`.", "{addr} のオブジェクトをリスト `{name}` に追加しました。"),
    ("slub.init_active", "slub_debug marks {addr} as allocated: red zones 0xcc, allocation track written ({cache}).", "slub_debug が {addr} を割り当て済みとして記録：レッドゾーン 0xcc、割り当て履歴を書き込み（{cache}）。"),
    ("slub.init_inactive", "slub_debug marks {addr} as free: red zones 0xbb, poison 0x6b…0xa5, free track written ({cache}).", "slub_debug が {addr} を解放済みとして記録：レッドゾーン 0xbb、ポイズン 0x6b…0xa5、解放履歴を書き込み（{cache}）。"),
    ("debug.corrupt", "BUG {cache}: [{what} overwritten] {start}-{end} @offset={offset}. First byte {first} instead of {expected}. The bytes are restored.", "BUG {cache}：[{what} 上書き] {start}-{end} @offset={offset}。先頭バイトが {expected} ではなく {first}。バイトを復元しました。"),
    ("debug.freechain_corrupt", "BUG {cache}: Freechain corrupt: the free pointer stored in {addr} is not a valid object; the freelist is cut there.", "BUG {cache}：Freechain corrupt。{addr} に格納されたフリーポインタが不正なため、そこでフリーリストを切りました。"),
    ("debug.freepointer_corrupt", "BUG {cache}: Freepointer corrupt at {addr}; it is reset.", "BUG {cache}：{addr} の Freepointer corrupt。リセットしました。"),
    ("debug.inuse_fixed", "BUG {cache}: Wrong object count in the slab at pfn {pfn}: counter is {counter} but counted were {counted}. Adjusted.", "BUG {cache}：pfn {pfn} のスラブのオブジェクト数が不正（カウンタ {counter}、実数 {counted}）。修正しました。"),
    ("slob.cache_created", "Created SLOB cache {cache}: {size}-byte objects at {align}-byte alignment, carved from the shared heap pages.", "SLOB キャッシュ {cache} を作成：{size} バイトのオブジェクトを {align} バイト境界で、共有ヒープページから切り出します。"),
    ("slob.cache_destroyed", "Destroyed SLOB cache {cache}.", "SLOB キャッシュ {cache} を破棄しました。"),
    ("slob.page_new", "No page on the list has room: SLOB takes pfn {pfn} as one free block of 2048 units and puts it on list {list} (0 small, 1 medium, 2 large).", "リスト上のページに空きがないため、SLOB は pfn {pfn} を 2048 ユニットの空きブロック 1 つとして取得し、リスト {list}（0 小・1 中・2 大）に載せます。"),
    ("slob.alloc", "First fit: {size} bytes for {cache} at {addr} on pfn {pfn}; the block's size and next offset are rewritten in the free bytes.", "ファーストフィット：{cache} 用の {size} バイトを pfn {pfn} の {addr} に確保。空きバイト中のサイズと次オフセットを書き換えます。"),
    ("slob.free", "Freed {addr} ({cache}) on pfn {pfn}: the block rejoins the page's address-ordered free list and merges with free neighbours.", "pfn {pfn} の {addr}（{cache}）を解放：ブロックはページのアドレス順空きリストに戻り、隣の空きと結合します。"),
    ("slob.page_freed", "pfn {pfn} is entirely free again: it goes straight back to the page allocator.", "pfn {pfn} が完全に空いたので、そのままページアロケータへ返します。"),
    ("slob.large", "{cache}: a page-sized request goes straight to the page allocator: order {order} at pfn {pfn} ({addr}).", "{cache}：ページ大の要求はページアロケータから直接確保：pfn {pfn} の order {order}（{addr}）。"),
    ("slob.large_free", "{cache}: the page-sized object {addr} goes back to the page allocator.", "{cache}：ページ大のオブジェクト {addr} をページアロケータへ返します。"),
    ("debug.validated", "Validation of {cache} finished: the simulation counted {errors} error(s) as Linux's KUnit suite counts them (Linux itself prints nothing more).", "{cache} の検証が終わりました。Linux の KUnit と同じ数え方でエラーは {errors} 件です（Linux 自身はこれ以上何も表示しません）。"),
    ("debug.freelist_head_corrupt", "BUG {cache}: Freepointer corrupt: the slab's freelist head is not a valid object. FIX: Freelist cleared; every object counts as used.", "BUG {cache}：Freepointer corrupt。スラブのフリーリストの先頭が不正なオブジェクトです。FIX：フリーリストを消去し、全オブジェクトを使用中とみなします。"),
    ("debug.freelist_cycle", "BUG {cache}: Freelist cycle detected. FIX: Freelist cleared; every object counts as used, and validation skips this slab's objects.", "BUG {cache}：Freelist cycle detected（フリーリストが循環）。FIX：フリーリストを消去し、全オブジェクトを使用中とみなして、このスラブのオブジェクト検査を打ち切ります。"),
    ("debug.slab_disabled", "FIX {cache}: Marking all objects used. The allocation check failed, so the slab at pfn {pfn} is taken out of use and the object comes from another slab.", "FIX {cache}：Marking all objects used。割り当て時の検査に失敗したので、pfn {pfn} のスラブを使用停止にし、オブジェクトは別のスラブから取ります。"),
    ("slub.alloc_bulk", "Sheaf refill (Linux 7.0 refill_objects): {addr} is taken in bulk straight from a node partial slab of {cache}.", "シーフの補充（Linux 7.0 の refill_objects）：{addr} を {cache} のノードのパーシャルスラブからまとめて直接取りました。"),
    ("debug.not_freed", "FIX {cache}: Object at {addr} not freed. The free check failed, so the object is leaked on purpose: freeing it could do more damage.", "FIX {cache}：Object at {addr} not freed。解放時の検査に失敗したので、オブジェクトはわざとリークさせます。解放するとさらに壊す恐れがあるからです。"),
    ("slab.shrunk", "Shrink: every cache flushed its per-CPU slabs and freed its empty slabs, releasing {bytes} bytes.", "縮小：全キャッシュが per-CPU スラブを戻し、空きスラブを解放して {bytes} バイトを返しました。"),
    ("aether.cache_created", "Created AetherOS cache {cache} for {size}-byte objects.", "{size} バイトのオブジェクト用に AetherOS キャッシュ {cache} を作成しました。"),
    ("aether.cache_destroyed", "Destroyed AetherOS cache {cache}.", "AetherOS キャッシュ {cache} を破棄しました。"),
    ("aether.slab_new", "New slab for {cache}: {pages} page(s) at pfn {pfn}, objects shifted by colour offset {colour}.", "{cache} の新しいスラブ：pfn {pfn} の {pages} ページ、カラーオフセット {colour} でずらした配置。"),
    ("aether.slab_release", "The empty slab at pfn {pfn} of {cache} goes back to the page allocator.", "{cache} の空きスラブ（pfn {pfn}）をページアロケータへ返しました。"),
    ("aether.refill", "Bulk transfer: {count} object(s) of {cache} move from the global lists to CPU {cpu}'s cache.", "バルク転送：{cache} のオブジェクト {count} 個をグローバルリストから CPU {cpu} のキャッシュへ移しました。"),
    ("aether.spill", "Bulk transfer: CPU {cpu}'s cache of {cache} is over its size; {count} object(s) go back to their slabs.", "バルク転送：CPU {cpu} の {cache} キャッシュが上限を超えたため、{count} 個をスラブへ戻しました。"),
    ("aether.alloc_hot", "Hot list hit: CPU {cpu} reuses {addr}, freed moments ago ({cache}).", "ホットリストにヒット：CPU {cpu} が直前に解放された {addr} を再利用しました（{cache}）。"),
    ("aether.alloc_local", "Per-CPU cache hit: CPU {cpu} takes {addr} ({cache}).", "パーCPUキャッシュにヒット：CPU {cpu} が {addr} を取りました（{cache}）。"),
    ("aether.alloc_global", "Miss: CPU {cpu} refilled from the global lists and takes {addr} ({cache}).", "ミス：CPU {cpu} はグローバルリストから補充して {addr} を取りました（{cache}）。"),
    ("aether.alloc_new_slab", "Miss: CPU {cpu} needed a new slab and takes {addr} ({cache}).", "ミス：CPU {cpu} は新しいスラブを作って {addr} を取りました（{cache}）。"),
    ("aether.free", "CPU {cpu} frees {addr} onto its hot list ({cache}).", "CPU {cpu} が {addr} をホットリストに解放しました（{cache}）。"),
    ("aether.hot_spill", "CPU {cpu}'s hot list is full: its oldest object {addr} moves to the per-CPU cache ({cache}).", "CPU {cpu} のホットリストが満杯のため、最も古い {addr} をパーCPUキャッシュへ移しました（{cache}）。"),
    ("classic.cache_created", "Created SLAB cache {cache} for {size}-byte objects.", "{size} バイトのオブジェクト用に SLAB キャッシュ {cache} を作成しました。"),
    ("classic.cache_destroyed", "Destroyed SLAB cache {cache}.", "SLAB キャッシュ {cache} を破棄しました。"),
    ("classic.grow", "cache_grow: new slab of {cache} at pfn {pfn}; its objects start {colour} bytes in (cache colouring). It joins slabs_free.", "cache_grow：{cache} の新しいスラブ（pfn {pfn}）。オブジェクトは {colour} バイト目から始まります（キャッシュカラーリング）。slabs_free に入ります。"),
    ("classic.refill_shared", "CPU {cpu}'s array is empty: {count} object(s) of {cache} come from the node's shared array.", "CPU {cpu} の配列が空：{cache} のオブジェクト {count} 個をノードの共有配列から取りました。"),
    ("classic.alloc_block", "CPU {cpu}'s array is refilled with {count} object(s) from the slab at pfn {pfn} ({cache}); the slab may change list.", "CPU {cpu} の配列に pfn {pfn} のスラブから {count} 個を補充しました（{cache}）。スラブのリストが変わることがあります。"),
    ("classic.alloc_hit", "CPU {cpu} pops {addr} from its array cache ({cache}).", "CPU {cpu} が配列キャッシュから {addr} を取り出しました（{cache}）。"),
    ("classic.alloc_refilled", "After the refill, CPU {cpu} pops {addr} ({cache}).", "補充後、CPU {cpu} が {addr} を取り出しました（{cache}）。"),
    ("classic.free", "CPU {cpu} pushes {addr} onto its array cache ({cache}).", "CPU {cpu} が {addr} を配列キャッシュに積みました（{cache}）。"),
    ("classic.flush_shared", "The array is full: its {count} oldest object(s) of {cache} move to the shared array.", "配列が満杯：{cache} の古いオブジェクト {count} 個を共有配列へ移しました。"),
    ("classic.flush_slabs", "{count} object(s) of {cache} go back to their slabs (free_block); slabs move between the three lists.", "{cache} のオブジェクト {count} 個をスラブへ戻しました（free_block）。スラブは 3 つのリストの間を移ります。"),
    ("classic.drain_shared", "{count} object(s) of {cache} drain from the shared array back to their slabs.", "{cache} のオブジェクト {count} 個を共有配列からスラブへ戻しました。"),
    ("classic.destroy_slab", "Too many free objects: the free slab at pfn {pfn} of {cache} is destroyed.", "空きオブジェクトが多すぎるため、{cache} の空きスラブ（pfn {pfn}）を破棄しました。"),
    ("classic.reap_touched", "cache_reap: CPU {cpu}'s array of {cache} was used recently, so it is only marked untouched.", "cache_reap：CPU {cpu} の {cache} 配列は最近使われたので、未使用の印を付けるだけにしました。"),
    ("classic.reap_free_touched", "cache_reap: the free slabs of {cache} were used recently, so none is destroyed this time.", "cache_reap：{cache} の空きスラブは最近使われたので、今回は破棄しません。"),
    ("slub.krealloc_in_place", "krealloc: {addr} stays in place ({cache}); its size goes from {old} to {new} bytes.", "krealloc：{addr} はその場に留まります（{cache}）。サイズは {old} から {new} バイトへ。"),
    ("memory.copied", "Copied {len} byte(s) from {from} to {to}.", "{from} から {to} へ {len} バイトをコピーしました。"),
    ("ss.birth", "Birth: SuperSlab #{id} for {size}-byte blocks is mapped: 2 MiB (an order-9 block) at pfn {pfn}.", "誕生：{size} バイトブロック用の SuperSlab #{id} を確保しました（pfn {pfn} の 2 MiB、オーダー 9 ブロック）。"),
    ("ss.slab_init", "Slab {slab} (64 KiB) of SuperSlab #{id} is initialised on first use.", "SuperSlab #{id} のスラブ {slab}（64 KiB）を初回使用時に初期化しました。"),
    ("ss.tls", "Thread {thread}'s TLS slab for {size}-byte blocks is now SuperSlab #{id}, slab {slab}.", "スレッド {thread} の {size} バイト用 TLS スラブは SuperSlab #{id} のスラブ {slab} になりました。"),
    ("ss.tls_cleared", "Thread {thread}'s TLS slab for {size}-byte blocks is cleared.", "スレッド {thread} の {size} バイト用 TLS スラブをクリアしました。"),
    ("ss.alloc_magazine", "malloc: thread {thread} pops {addr} from its magazine (SuperSlab #{id}: total_active_blocks + 1).", "malloc：スレッド {thread} がマガジンから {addr} を取り出しました（SuperSlab #{id} の total_active_blocks + 1）。"),
    ("ss.alloc_freelist", "malloc: thread {thread} takes {addr} from its slab's free list (SuperSlab #{id}: total_active_blocks + 1).", "malloc：スレッド {thread} がスラブのフリーリストから {addr} を取りました（SuperSlab #{id} の total_active_blocks + 1）。"),
    ("ss.alloc_carve", "malloc: thread {thread} carves the never-used block {addr} (SuperSlab #{id}: total_active_blocks + 1).", "malloc：スレッド {thread} が未使用ブロック {addr} を切り出しました（SuperSlab #{id} の total_active_blocks + 1）。"),
    ("ss.free_magazine", "free: {addr} goes to thread {thread}'s magazine (SuperSlab #{id}: total_active_blocks − 1).", "free：{addr} をスレッド {thread} のマガジンに入れました（SuperSlab #{id} の total_active_blocks − 1）。"),
    ("ss.free_slab", "free: thread {thread}'s magazine is full, so {addr} goes back to its slab (SuperSlab #{id}: total_active_blocks − 1).", "free：スレッド {thread} のマガジンが満杯のため、{addr} をスラブへ戻しました（SuperSlab #{id} の total_active_blocks − 1）。"),
    ("ss.empty", "SuperSlab #{id} is empty: total_active_blocks = 0.", "SuperSlab #{id} が空になりました（total_active_blocks = 0）。"),
    ("ss.purge", "Before SuperSlab #{id} dies, {count} of its block(s) are dropped from thread {thread}'s magazine.", "SuperSlab #{id} の解放前に、スレッド {thread} のマガジンからそのブロック {count} 個を取り除きました。"),
    ("ss.death", "Death: SuperSlab #{id} is returned to the page allocator (munmap of 2 MiB).", "消滅：SuperSlab #{id} をページアロケータへ返しました（2 MiB の munmap）。"),
    ("word.superslabs", "the SuperSlabs", "SuperSlab 一覧"),
    ("arr.init", "{cache} gets its per-CPU arrays.", "{cache} にパーCPU配列を用意しました。"),
    ("arr.alloc_main", "CPU {cpu} pops {addr} from its loaded magazine / main sheaf ({cache}).", "CPU {cpu} が装填中のマガジン／メインシーフから {addr} を取り出しました（{cache}）。"),
    ("arr.alloc_spare", "The loaded array was empty: CPU {cpu} swapped in the full previous/spare one and pops {addr} ({cache}).", "装填中の配列が空だったので、CPU {cpu} は満杯の予備と交換して {addr} を取り出しました（{cache}）。"),
    ("arr.alloc_depot", "CPU {cpu} traded an empty array for a full one from the depot/barn and pops {addr} ({cache}).", "CPU {cpu} は空の配列をデポ／バーンの満杯の配列と交換して {addr} を取り出しました（{cache}）。"),
    ("arr.alloc_refill", "CPU {cpu} filled a sheaf from the slabs and pops {addr} ({cache}).", "CPU {cpu} はスラブからシーフを満たして {addr} を取り出しました（{cache}）。"),
    ("arr.alloc_miss", "Magazine miss: CPU {cpu} got {addr} straight from the slab layer ({cache}).", "マガジンのミス：CPU {cpu} はスラブ層から直接 {addr} を得ました（{cache}）。"),
    ("arr.free", "CPU {cpu} pushes {addr} on its loaded magazine / main sheaf ({cache}).", "CPU {cpu} が {addr} を装填中のマガジン／メインシーフに積みました（{cache}）。"),
    ("arr.swap", "CPU {cpu} swaps its two arrays ({cache}).", "CPU {cpu} が 2 つの配列を入れ替えました（{cache}）。"),
    ("arr.depot_full", "CPU {cpu} takes a full array from the depot/barn, giving back an empty one ({cache}).", "CPU {cpu} はデポ／バーンから満杯の配列を受け取り、空の配列を返しました（{cache}）。"),
    ("arr.depot_empty", "CPU {cpu} hands a full array to the depot/barn and takes an empty one ({cache}).", "CPU {cpu} は満杯の配列をデポ／バーンに渡し、空の配列を受け取りました（{cache}）。"),
    ("arr.depot_new_empty", "CPU {cpu} hands a full array to the depot/barn; none is empty, so a new empty array is made ({cache}).", "CPU {cpu} は満杯の配列をデポ／バーンに渡しました。空の配列がないので新しく作りました（{cache}）。"),
    ("arr.sheaf_spare", "CPU {cpu}'s main sheaf is full and it has no spare: main becomes the spare, an empty sheaf becomes main ({cache}).", "CPU {cpu} のメインシーフが満杯で予備がないため、メインを予備にし、空のシーフをメインにしました（{cache}）。"),
    ("arr.sheaf_filled", "CPU {cpu} filled a sheaf with {count} object(s) from the slabs; it becomes main ({cache}).", "CPU {cpu} はスラブから {count} 個のオブジェクトでシーフを満たし、メインにしました（{cache}）。"),
    ("arr.sheaf_flushed", "The barn is full: CPU {cpu}'s spare sheaf is flushed to the slabs and used as the new main ({cache}).", "バーンが満杯のため、CPU {cpu} の予備シーフをスラブへ戻して新しいメインにしました（{cache}）。"),
    ("arr.depot_reap", "Depot reaping for {cache}: {full} full and {empty} empty magazine(s) unused since the last reap are given back.", "{cache} のデポ回収：前回から使われなかった満杯 {full} 個と空 {empty} 個のマガジンを返しました。"),
    ("memory.written", "Wrote {len} byte(s) of {byte} at {addr}.", "{addr} に {byte} を {len} バイト書き込みました。"),
    ("word.leaks", "the leak report", "リークレポート"),
    ("word.buddyinfo", "/proc/buddyinfo", "/proc/buddyinfo"),
    ("word.slabinfo", "/proc/slabinfo", "/proc/slabinfo"),
    ("word.stats", "statistics", "統計"),
    // --- visualizer II (slab layers) ---
    ("vis.caches", "Slab caches (like slabtop): click a row to follow it through every view", "スラブキャッシュ（slabtop 風）：行をクリックすると全ビューで追跡"),
    ("vis.no_caches", "No slab cache yet: try kmalloc 64 as=x", "スラブキャッシュはまだありません：kmalloc 64 as=x を試してください"),
    ("vis.aliases", "Merged caches (aliases): {names}", "統合されたキャッシュ（別名）：{names}"),
    ("vis.col.objects", "Objects", "オブジェクト"),
    ("vis.col.active", "Active", "使用中"),
    ("vis.col.size", "Obj size", "サイズ"),
    ("vis.col.slabs", "Slabs", "スラブ"),
    ("vis.col.efficiency", "Efficiency", "効率"),
    ("vis.col.name", "Name", "名前"),
    ("vis.cache_view", "Cache: its slabs on their lists", "キャッシュ：リスト上のスラブ"),
    ("vis.cache_view_of", "Cache {name}: slabs on their lists", "キャッシュ {name}：リスト上のスラブ"),
    ("vis.no_slabs", "This cache has no slab.", "このキャッシュにはスラブがありません。"),
    ("vis.more_slabs", "… {n} more slab(s): {used} of {objs} objects in use", "…ほか {n} 個のスラブ：{objs} 個中 {used} 個が使用中"),
    ("vis.colour", "Colour offset: {n} bytes", "カラーオフセット：{n} バイト"),
    ("vis.of_cpu", "{what} of CPU {cpu}", "CPU {cpu} の{what}"),
    ("vis.of_node", "{what} of node {node}", "ノード {node} の{what}"),
    ("vis.list.cpu_slab", "cpu slab", "CPU スラブ"),
    ("vis.list.cpu_partial", "cpu partial list", "CPU パーシャルリスト"),
    ("vis.list.node_partial", "node partial list", "ノードパーシャルリスト"),
    ("vis.list.full", "full slabs (on no list)", "満杯のスラブ（リスト外）"),
    ("vis.list.slabs_full", "slabs_full", "slabs_full"),
    ("vis.list.slabs_partial", "slabs_partial", "slabs_partial"),
    ("vis.list.slabs_free", "slabs_free", "slabs_free"),
    ("vis.list.global_full", "global full list", "グローバル満杯リスト"),
    ("vis.list.global_partial", "global partial list", "グローバルパーシャルリスト"),
    ("vis.list.global_empty", "global empty list", "グローバル空リスト"),
    ("vis.cell.used", "in use", "使用中"),
    ("vis.cell.free", "free (slab freelist)", "空き（スラブのフリーリスト）"),
    ("vis.cell.cpufree", "free on a CPU freelist", "CPU フリーリスト上の空き"),
    ("vis.cell.cached", "held by a per-CPU array", "per-CPU 配列が保持"),
    ("vis.legend.freelist", "slab freelist (pointers in memory)", "スラブのフリーリスト（メモリ上のポインタ）"),
    ("vis.legend.cpu_freelist", "CPU lockless freelist", "CPU のロックレスフリーリスト"),
    ("vis.percpu_of", "Per-CPU caches of {name}", "{name} の per-CPU キャッシュ"),
    ("vis.cpu", "CPU {cpu}", "CPU {cpu}"),
    ("vis.none", "none", "なし"),
    ("vis.empty", "empty", "空"),
    ("vis.more", "+{n} more", "ほか {n} 個"),
    ("vis.sheaf_main", "main sheaf", "メインシーフ"),
    ("vis.sheaf_spare", "spare sheaf", "予備シーフ"),
    ("vis.mag_loaded", "loaded magazine", "装填マガジン"),
    ("vis.mag_previous", "previous magazine", "前のマガジン"),
    ("vis.array_cache", "array_cache", "array_cache"),
    ("vis.touched", "touched since the last reap", "前回の回収以降に使用"),
    ("vis.hot_list", "hot list", "ホットリスト"),
    ("vis.object_cache", "per-CPU object cache", "per-CPU オブジェクトキャッシュ"),
    ("vis.ctr.alloc_fast", "alloc fast path", "割り当て高速パス"),
    ("vis.ctr.alloc_slow", "alloc slow path", "割り当て低速パス"),
    ("vis.ctr.free_fast", "free fast path", "解放高速パス"),
    ("vis.ctr.free_slow", "free slow path", "解放低速パス"),
    ("vis.ctr.hits", "hits", "ヒット"),
    ("vis.ctr.misses", "misses", "ミス"),
    ("vis.ctr.hot_hits", "hot-list hits", "ホットリストのヒット"),
    ("vis.ctr.local_hits", "object-cache hits", "オブジェクトキャッシュのヒット"),
    ("vis.hit_rate", "fast path: {pct}%", "高速パス：{pct}%"),
    ("vis.depot", "Depot", "デポ"),
    ("vis.barn", "Barn of node {node}", "ノード {node} のバーン"),
    ("vis.shared", "Shared array of node {node}", "ノード {node} の共有配列"),
    ("vis.full_arrays", "{n} full", "満杯 {n} 個"),
    ("vis.empty_arrays", "{n} empty", "空 {n} 個"),
    ("vis.superslabs", "SuperSlabs (2 MiB, 32 slabs each)", "SuperSlab（2 MiB、各 32 スラブ）"),
    ("vis.ss_summary", "{n} SuperSlab(s), {kib} KiB resident; release of empty SuperSlabs: {release}", "SuperSlab {n} 個、常駐 {kib} KiB。空の SuperSlab の返却：{release}"),
    ("vis.release_on", "on", "オン"),
    ("vis.release_off", "off", "オフ"),
    ("vis.ss_title", "#{id} · {size} B blocks · total_active_blocks {active} · {state} · pfn {pfn}", "#{id} · {size} B ブロック · total_active_blocks {active} · {state} · pfn {pfn}"),
    ("vis.ss_slab", "slab {i}: {used} of {cap} blocks in use, {carved} carved", "スラブ {i}：{cap} 個中 {used} 個使用中、{carved} 個切り出し済み"),
    ("vis.ss_state.born", "born", "誕生"),
    ("vis.ss_state.live", "live", "使用中"),
    ("vis.ss_state.empty", "empty", "空"),
    ("vis.ss_returned", "SuperSlab #{id} was returned to the page allocator", "SuperSlab #{id} はページアロケータへ返却されました"),
    ("vis.no_superslabs", "No SuperSlab: try malloc 32 as=a", "SuperSlab はありません：malloc 32 as=a を試してください"),
    ("vis.thread", "thread {t}: TLS {tls} · magazine {mag} block(s)", "スレッド {t}：TLS {tls} · マガジン {mag} ブロック"),
    ("vis.inspector", "Memory inspector", "メモリインスペクタ"),
    ("vis.inspector_hint", "Select an object (a cell in the cache view) to see its bytes.", "オブジェクト（キャッシュビューのマス）を選ぶとバイト列を表示します。"),
    ("vis.inspecting", "Object {addr} ({state})", "オブジェクト {addr}（{state}）"),
    ("vis.raw", "raw bytes", "生のバイト列"),
    ("vis.corrupt_bytes", "The debug check flags {n} corrupt byte(s).", "デバッグチェックが {n} バイトの破損を検出しました。"),
    ("vis.byte.red-left", "left red zone", "左レッドゾーン"),
    ("vis.byte.payload", "payload", "ペイロード"),
    ("vis.byte.poison", "poison", "ポイズン"),
    ("vis.byte.freeptr", "free pointer", "フリーポインタ"),
    ("vis.byte.red-right", "right red zone", "右レッドゾーン"),
    ("vis.byte.track", "alloc/free track", "割り当て/解放トラック"),
    ("vis.byte.padding", "padding", "パディング"),
    ("vis.byte.corrupt", "corrupt", "破損"),
    ("vis.export", "Export", "エクスポート"),
    ("vis.download_svg", "SVG", "SVG"),
    ("vis.download_png", "PNG", "PNG"),
    ("vis.download_txt", "Download .txt", ".txt をダウンロード"),
    ("vis.charts", "Slab charts", "スラブのグラフ"),
    ("vis.no_data", "no data yet", "データなし"),
    ("vis.chart.lists", "Slabs by list", "リスト別のスラブ数"),
    ("vis.chart.objects", "Objects per cache (active of total)", "キャッシュ別オブジェクト数（使用中／総数）"),
    ("vis.chart.hit_rate", "Fast-path hit rate per CPU", "CPU 別の高速パスヒット率"),
    ("vis.chart.fragmentation", "Internal fragmentation per cache", "キャッシュ別の内部断片化"),
    ("vis.chart.superslabs", "SuperSlabs and resident memory", "SuperSlab と常駐メモリ"),
    ("vis.chart.ss_count", "SuperSlabs", "SuperSlab 数"),
    ("vis.chart.ss_resident", "resident (MiB)", "常駐（MiB）"),
    ("vis.ss_release_on", "superslab_release=on", "superslab_release=on"),
    ("vis.ss_release_off", "superslab_release=off", "superslab_release=off"),
    ("vis.ss_this_machine", "this machine", "このマシン"),
    ("vis.ss_compare_line", "{n} SuperSlab(s), {kib} KiB resident", "SuperSlab {n} 個、常駐 {kib} KiB"),
    ("vis.ss_compare_op_end", "The other machine is shown at the end of this operation.", "もう一方のマシンはこの操作の終了時点を表示しています。"),
    ("vis.inspecting_slab", "Slab pfn {pfn} at {addr}: its first {n} bytes (┃ marks where an object starts)", "スラブ pfn {pfn}（{addr}）：先頭 {n} バイト（┃ はオブジェクトの先頭）"),
    ("vis.col.active_help", "Objects not free in their slab: with users or held by per-CPU arrays. (SLUB's /proc/slabinfo also counts the free objects of cpu slabs and cpu partial slabs as active.)", "スラブ内で空きでないオブジェクト：利用者または per-CPU 配列が保持。（SLUB の /proc/slabinfo は CPU スラブと CPU パーシャルスラブの空きも使用中に数えます。）"),
    ("vis.byte.freeidx", "SLAB free-index array", "SLAB の空きインデックス配列"),
    ("vis.path", "Selected:", "選択中："),
    ("vis.path_hint", "Click an object, slab, cache, CPU or SuperSlab to follow it through every layer.", "オブジェクト・スラブ・キャッシュ・CPU・SuperSlab をクリックすると、全レイヤーで追跡できます。"),
    ("vis.path_object", "object {addr} ({state})", "オブジェクト {addr}（{state}）"),
    ("vis.path_slab", "slab pfn {pfn} on the {list}", "スラブ pfn {pfn}（{list}）"),
    ("vis.path_cache", "cache {name}", "キャッシュ {name}"),
    ("vis.path_pages", "pages {first}–{last}", "ページ {first}–{last}"),
    ("vis.path_block", "buddy block pfn {pfn}, order {order} ({state})", "バディブロック pfn {pfn}、オーダー {order}（{state}）"),
    ("vis.clear", "Clear selection", "選択を解除"),
    // --- instrument layout (issue 13) ---
    ("ui.views", "Views", "ビュー"),
    ("ui.views_hint", "Show or hide views (remembered in this browser)", "ビューの表示・非表示（このブラウザに記憶）"),
    ("ui.tools", "Tools: common operations, workload, configuration, script", "ツール：よく使う操作・ワークロード・構成・スクリプト"),
    ("ui.no_picture.lessons", "Pick a lesson: its views open beside its narration.", "レッスンを選んでください。説明の隣にビューが開きます。"),
    ("ui.stage", "The picture: views of the simulated memory", "図：シミュレートしたメモリのビュー"),
    ("ui.side", "Narration and controls", "説明と操作"),
    ("view.memory", "Memory map", "メモリマップ"),
    ("view.buddy", "Buddy free lists", "バディの空きリスト"),
    ("view.buddyinfo", "/proc/buddyinfo", "/proc/buddyinfo"),
    ("view.charts", "Order charts", "オーダー別グラフ"),
    ("view.timeline", "Memory over time", "メモリの推移"),
    ("view.log", "Event log", "イベントログ"),
    ("view.caches", "Caches", "キャッシュ一覧"),
    ("view.cache", "Selected cache", "選択中のキャッシュ"),
    ("view.percpu", "Per-CPU", "CPU ごと"),
    ("view.superslab", "SuperSlabs", "SuperSlab"),
    ("view.inspector", "Inspector", "インスペクタ"),
    ("view.slabinfo", "/proc/slabinfo", "/proc/slabinfo"),
    ("view.slabcharts", "Slab charts", "スラブのグラフ"),
    ("param.unknown", "{key}: unknown parameter{hint} (known: {known})", "{key}：不明なパラメータです{hint}（使えるもの：{known}）"),
    ("param.did_you_mean", "; did you mean {name}?", "。{name} のことですか？"),
    ("param.controls_need_autoplay", "controls=0: the controls are hidden only with autoplay=1, so they stay", "controls=0：操作ボタンを隠せるのは autoplay=1 のときだけなので、表示したままにします"),
    ("embed.no_lesson", "This frame names no lesson that exists", "このフレームは存在するレッスンを指定していません"),
    ("embed.pick", "Lessons you can embed (lesson=ID):", "埋め込めるレッスン（lesson=ID）："),
    ("embed.builder", "Embed builder", "埋め込みコードの作成"),
    ("embed.lesson", "Lesson", "レッスン"),
    ("embed.from", "From step", "開始ステップ"),
    ("embed.to", "To step", "終了ステップ"),
    ("embed.panels", "Panels (comma-separated, in order; empty: the lesson's)", "パネル（カンマ区切り・この順に表示。空ならレッスンの指定）"),
    ("embed.lang", "Language", "言語"),
    ("embed.size", "Frame size", "フレームの大きさ"),
    ("embed.preview", "Preview", "プレビュー"),
    ("embed.snippet", "Snippet (with the resize listener)", "コード（高さ調整のリスナー付き）"),
    // Polish (issue 13): chart definitions.
    ("vis.chart.fragmentation_def", "Bytes no request uses, as a share of the cache's slab memory: in each slot of an object in use, the slot size minus the requested size (the kmalloc request where the kernel records it, slub_debug=U; else the object size: alignment, red zones, metadata), plus each slab's leftover after its last slot. Free slots are free capacity, not counted.", "要求が使わないバイトが、キャッシュのスラブメモリに占める割合です。使用中オブジェクトの各スロットについて、スロットサイズから要求サイズを引いたもの（カーネルが要求サイズを記録する slub_debug=U の kmalloc キャッシュではその値、それ以外はオブジェクトサイズ。つまりアラインメント、レッドゾーン、メタデータ）と、各スラブの最後のスロットの後に余るバイトの合計です。空きスロットは空き容量であり、数えません。"),
    ("vis.chart.fragmentation_bar", "{pct}% ({bytes} B)", "{pct}%（{bytes} B）"),
    // --- SLOB pages in the cache view (s4-contract, issue 15) ---
    ("vis.slob.pages", "SLOB heap pages ({n}): blocks of every cache, first fit", "SLOB のヒープページ（{n}）：全キャッシュのブロック、ファーストフィット"),
    ("vis.slob.aria", "SLOB pages, each a bar of free units and allocated blocks in address order", "SLOB のページ。各ページは空きユニットと割り当て済みブロックをアドレス順に並べた帯"),
    ("vis.slob.page", "pfn {pfn} · {free} B free · {list}", "pfn {pfn} · 空き {free} B · {list}"),
    ("vis.slob.list.0", "small list (< 256 B)", "小リスト（256 B 未満）"),
    ("vis.slob.list.1", "medium list (< 1024 B)", "中リスト（1024 B 未満）"),
    ("vis.slob.list.2", "large list", "大リスト"),
    ("vis.slob.list.none", "full, on no list", "満杯（どのリストにもない）"),
    ("vis.slob.free_block", "free: {bytes} B", "空き：{bytes} B"),
    ("vis.slob.used_block", "{cache}: {size} B asked, {bytes} B taken", "{cache}：要求 {size} B、使用 {bytes} B"),
    ("vis.slob.more", "{n} more page(s)", "ほか {n} ページ"),
    ("arr.flush", "Destroying {cache}: its per-CPU arrays and their depot / barn are flushed first; {count} object(s) go back to the slabs.", "{cache} の破棄：まず per-CPU 配列とデポ／バーンをフラッシュし、{count} 個のオブジェクトをスラブに返します。"),
    // --- reliab (issue 16): script and limit errors in the browser (web/src/errors.rs) ---
    ("err.at", "{line}:{col}: {what}", "{line} 行 {col} 列：{what}"),
    ("err.col", "col {col}: {what}", "{col} 列目：{what}"),
    ("err.did_you_mean", "{what}; did you mean `{s}`?", "{what}（`{s}` のことですか？）"),
    ("err.unknown_command", "unknown command `{found}`; expected one of: {list}", "不明なコマンド `{found}` です。使えるコマンド：{list}"),
    ("err.expected", "expected {expected}, found {found}", "{expected} が来るはずの位置に {found} があります"),
    ("err.unknown_key", "`{command}` takes no `{key}=`", "`{command}` に `{key}=` は指定できません"),
    ("err.missing_key", "`{command}` needs `{key}=`", "`{command}` には `{key}=` が必要です"),
    ("err.duplicate_key", "`{key}=` given twice", "`{key}=` が 2 回指定されています"),
    ("err.bad_value", "bad value `{value}` for `{key}`: expected {expected}", "`{key}` の値 `{value}` は不正です。期待される値：{expected}"),
    ("err.config_after_ops", "`config` lines must come before the first operation", "`config` 行は最初の操作より前に書いてください"),
    ("err.unbalanced", "unbalanced braces: every `repeat N` block needs its closing brace", "波かっこの対応が取れていません。`repeat N` のブロックには閉じかっこが必要です"),
    ("err.invalid_machine", "invalid machine: {what}", "マシン構成が不正です：{what}"),
    ("err.limit", "{what} {value} is over the browser's limit {name}={max}. Split the work into smaller scripts, or run it on the command line, where the limit can be raised: `slabscope run {flag} N`", "{what}が {value} で、ブラウザでの上限 {name}={max} を超えています。作業を小さなスクリプトに分けるか、上限を変えられるコマンドラインで実行してください：`slabscope run {flag} N`"),
    ("err.limit_unknown", "{what} is over the browser's limit {name}={max}. Split the work into smaller scripts, or run it on the command line, where the limit can be raised: `slabscope run {flag} N`", "{what}がブラウザでの上限 {name}={max} を超えています。作業を小さなスクリプトに分けるか、上限を変えられるコマンドラインで実行してください：`slabscope run {flag} N`"),
    ("err.limit.max_depth", "`repeat` nesting depth", "`repeat` の入れ子の深さ"),
    ("err.limit.max_ops", "the operation count (after expanding `repeat`)", "操作数（`repeat` を展開した後）"),
    ("err.limit.max_script_bytes", "the script size in bytes", "スクリプトのバイト数"),
    ("err.limit.max_lesson_steps", "the lesson step count", "レッスンのステップ数"),
    ("err.limit.max_session_bytes", "the estimated session memory in bytes", "セッションの推定メモリ（バイト）"),
    ("err.workload_op", "workload op {n}: {what}", "ワークロードの操作 {n}：{what}"),
    ("ui.build.busy", "Building the script…", "スクリプトを構築中…"),
    // --- s4-layout (issue 13): view choices per lesson ---
    ("vis.path_node", "NUMA node {node}", "NUMA ノード {node}"),
    ("ui.buddyinfo_orders", "The same counts, each column named by its order", "同じ数を、列ごとにオーダーを付けて"),
    ("ui.buddyinfo_order", "order", "オーダー"),
    ("ui.views_reset", "Reset", "元に戻す"),
    ("ui.views_reset_hint", "Forget the views you showed or hid here: the defaults again (in a lesson, each step's own views)", "ここで表示・非表示にしたビューの選択を消し、既定に戻します（レッスンでは各ステップのビュー）"),
    ("ui.views_lesson_hint", "Show or hide views: your choice holds for every step of this lesson (remembered in this browser); the others follow each step", "ビューの表示・非表示：選んだものはこのレッスンの全ステップで保たれます（このブラウザに記憶）。それ以外は各ステップに従います"),
    // Exercises (s4-exercise, issue 20): the mode, the picker, answers, grades, the score card.
    ("ui.mode.exercises", "Exercises", "演習"),
    ("ex.heading", "Exercise", "演習"),
    ("ex.pick", "Pick an exercise", "演習を選ぶ"),
    ("ex.kind", "Exercise", "演習の種類"),
    ("ex.level", "Level", "レベル"),
    ("ex.level_n", "{n} of 3", "{n}（3 段階）"),
    ("ex.seed", "Seed", "シード"),
    ("ex.open", "Open", "開く"),
    ("ex.new", "New exercise", "新しい問題"),
    ("ex.bad_seed", "Seed `{value}`: give a number (decimal or 0x hexadecimal).", "シード `{value}`：数値（10 進または 0x で始まる 16 進）を入れてください。"),
    ("ex.meta", "{kind} · seed {seed} · level {level}", "{kind} · シード {seed} · レベル {level}"),
    ("ex.progress", "Question {n} of {count} · {score} right so far", "問題 {n} / {count} · ここまでの正解 {score}"),
    ("ex.tally", "{right} of {answered} right so far", "ここまで {answered} 問中 {right} 問正解"),
    ("ex.your_answer", "Your answer", "あなたの答え"),
    ("ex.submit", "Check my answer", "答え合わせ"),
    ("ex.hint.pfn", "Type the pfn, or click its page in the memory map.", "pfn を入力するか、メモリマップでそのページをクリックしてください。"),
    ("ex.hint.number", "Type a number (decimal or 0x hexadecimal).", "数値（10 進または 0x で始まる 16 進）を入力してください。"),
    ("ex.hint.pfns", "Type the buddies' pfns in any order (or click their pages in the memory map); “No merge” if it merges with none.", "バディの pfn を順不同で入力してください（メモリマップでページをクリックしても入ります）。結合しないなら「結合なし」。"),
    ("ex.no_merge", "No merge", "結合なし"),
    ("ex.hint.row", "Free blocks of each order, as /proc/buddyinfo prints them (an empty box is 0).", "/proc/buddyinfo と同じく、オーダーごとの空きブロック数（空欄は 0）。"),
    ("ex.row_legend", "Node 0, zone Normal", "ノード 0、ゾーン Normal"),
    ("ex.order", "order {n}", "オーダー {n}"),
    ("ex.order_h", "order", "オーダー"),
    ("ex.hint.object", "Pick the object from the list, or click it in the cache view.", "一覧から選ぶか、キャッシュのビューでオブジェクトをクリックしてください。"),
    ("ex.pick_object", "— pick an object —", "— オブジェクトを選ぶ —"),
    ("ex.bad_answer", "`{text}` is not an answer here: give {what}.", "`{text}` はこの問題の答えになりません：{what}を入れてください。"),
    ("ex.bad_choice", "`{text}` names no choice: give 1 to {n}, a letter or a choice id.", "`{text}` に当たる選択肢はありません：1〜{n}、文字、または選択肢の id を入れてください。"),
    ("ex.expect.number", "a decimal or 0x number", "10 進または 0x で始まる数"),
    ("ex.expect.row", "numbers separated by spaces", "空白で区切った数"),
    ("ex.expect.object", "an object's address in hexadecimal", "オブジェクトの 16 進アドレス"),
    ("ex.expect.choice", "a choice", "選択肢"),
    ("ex.right", "Right.", "正解です。"),
    ("ex.wrong", "Not this time.", "今回は不正解です。"),
    ("ex.given", "Your prediction", "あなたの予想"),
    ("ex.expected", "The simulation", "シミュレーションの結果"),
    ("ex.replay", "Replay steps {from}–{to}", "ステップ {from}–{to} を再生"),
    ("ex.replay_hint", "The views now show the state the question was asked in: step through {from}–{to} with the controls (→, or Event ▶) to watch the allocator do it.", "ビューは問題を出した時点の状態です。操作ボタン（→ または イベント ▶）でステップ {from}–{to} を進め、アロケータの動きを確かめてください。"),
    ("ex.next", "Next question", "次の問題"),
    ("ex.finish", "Show my score", "スコアを見る"),
    ("ex.score", "Your score: {score} of {max}", "スコア：{max} 問中 {score} 問正解"),
    ("ex.score_line", "question {n} (seed {seed}): you answered {given}; the answer is {expected}", "問題 {n}（シード {seed}）：あなたの答え {given}、正解 {expected}"),
    ("ex.mark.right", "✓ right", "✓ 正解"),
    ("ex.mark.wrong", "✗ wrong", "✗ 不正解"),
    ("ex.embed_pick", "Exercises you can embed (exercise=KIND):", "埋め込める演習（exercise=KIND）："),
    // ---- s4-compare: Compare mode and snapshot diff (issue #19) ----
    ("ui.mode.compare", "Compare", "比較"),
    ("compare.heading", "Compare runs side by side", "実行を並べて比較"),
    ("compare.help", "The same work under 2–4 machine configurations: every column moves to the same operation. Settings are the op language's `config` keys (slab, percpu, cpus, nodes, mem, slub_debug, superslab_release…).", "同じ処理を 2〜4 個のマシン構成で実行します。どの列も同じ操作へ移動します。設定は操作言語の `config` キー（slab、percpu、cpus、nodes、mem、slub_debug、superslab_release…）です。"),
    ("compare.source", "Work to run", "実行する処理"),
    ("compare.source_sandbox", "the sandbox session", "サンドボックスのセッション"),
    ("compare.source_lesson", "the open lesson (its step range)", "開いているレッスン（そのステップ範囲）"),
    ("compare.source_trace", "the loaded trace, replayed from boot", "読み込んだトレース（起動から再生）"),
    ("compare.source_workload", "a seeded workload", "シード付きワークロード"),
    ("compare.wl_seed", "Seed", "シード"),
    ("compare.wl_count", "Operations", "操作数"),
    ("compare.wl_mix", "Mix", "種類"),
    ("compare.policy", "Column {n}: slab policy", "列 {n}：スラブ方式"),
    ("compare.settings", "Column {n}: settings", "列 {n}：設定"),
    ("compare.remove", "Remove", "削除"),
    ("compare.add", "Add a configuration", "構成を追加"),
    ("compare.run", "Run the comparison", "比較を実行"),
    ("compare.cursor", "Shared cursor", "共通カーソル"),
    ("compare.back", "◀ Operation", "◀ 操作"),
    ("compare.next", "Operation ▶", "操作 ▶"),
    ("compare.scrub", "Operation of every column", "全列の操作位置"),
    ("compare.counter", "operation {pos} / {total} in every column", "全列で操作 {pos} / {total}"),
    ("compare.at_start", "(before the first operation)", "（最初の操作の前）"),
    ("compare.views", "Views in each column", "各列のビュー"),
    ("compare.view.memory", "Memory map", "メモリマップ"),
    ("compare.view.buddy", "Buddy lists", "バディリスト"),
    ("compare.view.cache", "Selected cache's slabs", "選択キャッシュのスラブ"),
    ("compare.view.percpu", "Per-CPU state", "CPU ごとの状態"),
    ("compare.column", "Column {n}: {label}", "列 {n}：{label}"),
    ("compare.unchanged", "(the session's machine)", "（セッションのマシン）"),
    ("compare.picked", "Selected in every column: {name}", "全列で選択中：{name}"),
    ("compare.picked_absent", "{name} does not exist in this column at this operation.", "この列のこの操作時点には {name} がありません。"),
    ("compare.trace_note", "A trace may make one machine refuse an allocation another grants; every column still moves to the same trace event.", "トレースでは、ある構成が許す割り当てを別の構成が拒否することがあります。それでも全列は同じトレースイベントへ移動します。"),
    ("compare.charts", "Differences over the whole session (one line per configuration)", "セッション全体での違い（構成ごとに 1 本の線）"),
    ("compare.ops_axis", "op {n}", "操作 {n}"),
    ("compare.table", "Measures at operation {pos}", "操作 {pos} 時点の指標"),
    ("compare.table_note", "▲ more / ▼ less than configuration 1 (colour and sign).", "▲ 構成 1 より多い / ▼ 少ない（色と記号）。"),
    ("compare.measure", "Measure", "指標"),
    ("compare.measure.ops", "Operations", "操作数"),
    ("compare.measure.events", "Micro-events", "マイクロイベント数"),
    ("compare.measure.used_pages", "Pages used", "使用中ページ"),
    ("compare.measure.slab_pages", "Slab pages", "スラブのページ"),
    ("compare.measure.resident", "Resident bytes", "常駐バイト"),
    ("compare.measure.unusable", "Unusable index (order 3)", "使用不能指数（オーダー 3）"),
    ("compare.measure.fast_path", "Fast-path rate", "高速パス率"),
    ("compare.measure.waste", "Internal waste (bytes)", "内部の無駄（バイト）"),
    ("compare.measure.events_per_op", "Events per operation", "操作あたりのイベント数"),
    ("diff.heading", "Snapshot diff: two /proc/slabinfo (and /proc/buddyinfo) files", "スナップショット差分：2 つの /proc/slabinfo（と /proc/buddyinfo）"),
    ("diff.help", "Open a file from before and one from after (e.g. `sudo cat /proc/slabinfo` around a workload), or diff the first two columns at the cursor.", "前と後のファイルを開きます（例：ワークロードの前後の `sudo cat /proc/slabinfo`）。または共通カーソル位置の最初の 2 列を比較します。"),
    ("diff.slab_a", "slabinfo before…", "前の slabinfo…"),
    ("diff.slab_b", "slabinfo after…", "後の slabinfo…"),
    ("diff.buddy_a", "buddyinfo before…", "前の buddyinfo…"),
    ("diff.buddy_b", "buddyinfo after…", "後の buddyinfo…"),
    ("diff.columns", "Diff columns 1 and 2 here", "ここで列 1 と 2 を比較"),
    ("diff.clear", "Clear", "消去"),
    ("diff.slab_title", "Per-cache changes ({n} caches, largest memory change first)", "キャッシュごとの変化（{n} 個、メモリ変化の大きい順）"),
    ("diff.cache", "Cache", "キャッシュ"),
    ("diff.active_objs", "Active objects Δ", "使用中オブジェクト Δ"),
    ("diff.num_objs", "Object slots Δ", "オブジェクト枠 Δ"),
    ("diff.slabs", "Slabs Δ", "スラブ Δ"),
    ("diff.bytes", "Memory Δ (bytes)", "メモリ Δ（バイト）"),
    ("diff.appeared", "new", "新規"),
    ("diff.gone", "gone", "消滅"),
    ("diff.chart", "Change of slab memory per cache", "キャッシュごとのスラブメモリの変化"),
    ("diff.kib", "{n} KiB", "{n} KiB"),
    ("diff.no_change", "No cache's slab memory changed.", "スラブメモリが変化したキャッシュはありません。"),
    ("diff.buddy_title", "Free blocks per order Δ (after − before)", "オーダー別空きブロック Δ（後 − 前）"),
    ("diff.zone", "Zone", "ゾーン"),
    ("diff.pages", "Free pages Δ", "空きページ Δ"),
    ("diff.zone_name", "node {node} {zone}", "ノード {node} {zone}"),
    ("compare.setup", "Configurations and work", "構成と処理"),
    ("compare.from_lesson", "Compare this lesson's configurations side by side", "このレッスンの構成を並べて比較"),
    // ---- end s4-compare ----
    // s6-compare: a comparison built in slices, the one-screen layout.
    ("compare.building", "Running every configuration…", "すべての構成を実行中…"),
    ("compare.cancel", "Cancel", "キャンセル"),
    ("compare.summary_tab", "Charts and table", "グラフと表"),
    // Trace explorer (s4-tracew, issue 18).
    ("trace.err.gzip_truncated", "the gzip stream ends early: truncated at compressed byte offset {offset} of {total} (after {out} decompressed bytes)", "gzip ストリームが途中で終わっています：圧縮バイトオフセット {offset}（全 {total} バイト中、展開後 {out} バイトの後）で切れています"),
    ("trace.err.gzip_corrupt", "the gzip stream is corrupt in the chunk at compressed byte offset {offset} (of {total} read, after {out} decompressed bytes)", "gzip ストリームが壊れています：圧縮バイトオフセット {offset} からのチャンク（読み込み {total} バイト中、展開後 {out} バイトの後）"),
    ("trace.err.over_budget", "line {line}: the trace has more than {max} events; at {per} bytes per event that is over the page's memory budget of {mib} MiB", "{line} 行目：トレースのイベントが {max} 個を超えています。1 イベント {per} バイトで、ページのメモリ予算 {mib} MiB を超えます"),
    ("trace.err.empty", "no kmem events found ({bad} malformed line(s))", "kmem イベントが見つかりません（不正な行 {bad} 行）"),
    ("trace.err.reader", "the trace reader could not be loaded ({why}); reload the page and try again", "トレースの読み込み部を読み込めませんでした（{why}）。ページを再読み込みしてもう一度お試しください"),
    ("trace.err.reader_stopped", "the trace reader stopped during the load ({why}); reload the page and try again", "読み込み中にトレースの読み込み部が停止しました（{why}）。ページを再読み込みしてもう一度お試しください"),
    ("trace.summary", "{name}: {events} events, {ops} simulated ops, {unmatched} unmatched frees, {bad} malformed line(s)", "{name}：{events} events（イベント）、シミュレートした操作 {ops} 個、対応しない解放 {unmatched} 個、不正な行 {bad} 行"),
    ("trace.fact", "Trace line {line} · {time} · {comm} (pid {pid}) on CPU {cpu} · {kind} · call site {site} · {ptr}", "トレース {line} 行目 · {time} · {comm}（pid {pid}）CPU {cpu} · {kind} · 呼び出し元 {site} · {ptr}"),
    ("trace.progress", "{pct}% · {bytes} of {size} bytes · {lines} lines · {events} events", "{pct}% · {size} バイト中 {bytes} バイト · {lines} 行 · {events} イベント"),
    ("trace.cancel", "Cancel", "キャンセル"),
    ("trace.wanted", "This link shows the trace “{name}”, which this browser does not keep. Open that file to see it at the linked step.", "このリンクはトレース「{name}」を表示しますが、このブラウザには保存されていません。そのファイルを開くと、リンクのステップで表示します。"),
    ("trace.filters", "Filter the trace", "トレースの絞り込み"),
    ("trace.filter.any", "(any)", "（すべて）"),
    ("trace.filter.cache", "Cache", "キャッシュ"),
    ("trace.filter.cpu", "CPU", "CPU"),
    ("trace.filter.site", "Call site", "呼び出し元"),
    ("trace.filter.comm", "Process (comm)", "プロセス（comm）"),
    ("view.tracereport", "Trace report", "トレースのレポート"),
    ("view.tracesites", "Call sites", "呼び出し元"),
    ("trace.more", " … and {n} more", " …ほか {n} 件"),
    ("trace.bad_line", "line {line} ({reason})", "{line} 行目（{reason}）"),
    ("trace.by_kind", "Events by kind", "種類ごとのイベント数"),
    ("trace.unmatched", "Unmatched frees (objects allocated before the trace began): {n}; frees of (nil): {nil}", "対応しない解放（トレース開始前に確保されたオブジェクト）：{n} 件、(nil) の解放：{nil} 件"),
    ("trace.lines", "Lines: ", "行："),
    ("trace.malformed", "Malformed lines (kept out of the session): {n}", "不正な行（セッションに入れていません）：{n} 行"),
    ("trace.frag_total", "Requested {req} bytes, allocated {alloc} bytes: internal fragmentation {pct}", "要求 {req} バイト、確保 {alloc} バイト：内部断片化 {pct}"),
    ("trace.frag_by_site", "Internal fragmentation by call site", "呼び出し元ごとの内部断片化"),
    ("trace.frag_by_cache", "Internal fragmentation by cache", "キャッシュごとの内部断片化"),
    ("trace.cpu", "CPU {cpu}", "CPU {cpu}"),
    ("trace.col.req", "Requested (B)", "要求 (B)"),
    ("trace.col.alloc", "Allocated (B)", "確保 (B)"),
    ("trace.col.waste", "Wasted (B)", "無駄 (B)"),
    ("trace.col.frag", "Fragmentation", "断片化"),
    ("trace.col.site", "Call site", "呼び出し元"),
    ("trace.col.cache", "Cache", "キャッシュ"),
    ("trace.col.cpu", "CPU", "CPU"),
    ("trace.col.fast", "Fast path", "ファストパス"),
    ("trace.col.slow", "Slow path", "スローパス"),
    ("trace.col.rate", "Rate", "割合"),
    ("trace.col.allocs", "Allocations", "確保"),
    ("trace.col.frees", "Frees", "解放"),
    ("trace.col.live", "Live at the cursor", "カーソル時点で使用中"),
    ("trace.col.caches", "Caches", "キャッシュ"),
    ("trace.pick_site", "Filter by this call site", "この呼び出し元で絞り込む"),
    ("trace.selected", "The filter selects {n} of {ops} ops.", "絞り込みで {ops} 個中 {n} 個の操作を選択中です。"),
    ("trace.selected_all", "No filter: every op of the trace.", "絞り込みなし：トレースのすべての操作です。"),
    ("trace.hist", "Where the selected ops fall in the trace (grey: all ops; the line: the cursor)", "選択した操作がトレースのどこにあるか（灰色：すべての操作、線：カーソル）"),
    ("trace.lineage", "Lineage in the trace", "トレース上の履歴"),
    ("trace.lineage.none", "No trace address is bound to this selection now (free slots and the simulation's own pages have none).", "この選択には今トレースのアドレスが対応していません（空きスロットやシミュレーション自身のページにはありません）。"),
    ("trace.lineage.title", "{addr}: {n} events of this address in the trace", "{addr}：トレース中のこのアドレスのイベント {n} 件"),
    ("trace.lineage.alloc", "Allocated by {site} · {comm} (pid {pid}) on CPU {cpu} · {time} · line {line} · {kind}", "{site} が確保 · {comm}（pid {pid}）CPU {cpu} · {time} · {line} 行目 · {kind}"),
    ("trace.lineage.free", "Freed by {site} · {comm} (pid {pid}) on CPU {cpu} · {time} · line {line} · {kind}", "{site} が解放 · {comm}（pid {pid}）CPU {cpu} · {time} · {line} 行目 · {kind}"),
    ("trace.lineage.unmatched", "(not replayed: allocated before the trace)", "（再生せず：トレース開始前の確保）"),
    ("trace.lineage.reused", "→ reused by line {line}", "→ {line} 行目で再利用"),
    // s5-tracew: a free slot's lineage.
    ("trace.lineage.slot", "Free slot at {addr}: {n} allocations and frees the simulation placed here, from the trace", "{addr} の空きスロット：シミュレーションがここに置いた確保と解放 {n} 件（トレースより）"),
    ("trace.lineage.indexing", "Indexing where each allocation landed ({pct}%)…", "各確保の配置先を索引中（{pct}%）…"),
    // s6-contract: core errors by message key (`OpError::message`, `ConfigError::message`); the
    // English repeats the core's `Display` word for word.
    ("operr.out_of_memory", "out of memory: no free block of order {order} ({pages} pages) on any node", "メモリ不足：どのノードにもオーダー {order}（{pages} ページ）の空きブロックがありません"),
    ("operr.bad_order", "order {order} is above MAX_PAGE_ORDER ({max})", "オーダー {order} は MAX_PAGE_ORDER（{max}）を超えています"),
    ("operr.bad_node", "node {node} does not exist (this machine has {nodes})", "ノード {node} はありません（このマシンのノードは {nodes} 個）"),
    ("operr.bad_cpu", "cpu {cpu} does not exist (this machine has {cpus})", "CPU {cpu} はありません（このマシンの CPU は {cpus} 個）"),
    ("operr.unknown_name", "`{name}` is not bound to anything", "`{name}` には何も束縛されていません"),
    ("operr.unknown_name_sug", "`{name}` is not bound to anything; did you mean `{s}`?", "`{name}` には何も束縛されていません（`{s}` のことですか？）"),
    ("operr.name_in_use", "`{name}` still holds a live allocation; free it first or use another name", "`{name}` はまだ使用中の確保を保持しています。先に解放するか別の名前を使ってください"),
    ("operr.not_a_list", "`{name}` is a single value, not a list", "`{name}` は単一の値で、リストではありません"),
    ("operr.is_a_list", "`{name}` is a list; use `{name}[i]` or `{name}[*]`", "`{name}` はリストです。`{name}[i]` か `{name}[*]` を使ってください"),
    ("operr.index_out_of_range", "`{name}[{index}]` is out of range: the list has {len} element(s)", "`{name}[{index}]` は範囲外です：リストの要素は {len} 個です"),
    ("operr.wrong_kind", "`{name}` is not {expected}", "`{name}` は{expected}ではありません"),
    ("operr.bad_size", "size {size} is not in 1..={max}", "サイズ {size} は 1..={max} の範囲外です"),
    ("operr.bad_align", "align={align} is not a power of two", "align={align} は 2 のべき乗ではありません"),
    ("operr.cache_exists", "a cache named `{name}` already exists", "`{name}` という名前のキャッシュはすでにあります"),
    ("operr.unknown_cache", "no cache named `{name}`", "`{name}` という名前のキャッシュはありません"),
    ("operr.unknown_cache_sug", "no cache named `{name}`; did you mean `{s}`?", "`{name}` という名前のキャッシュはありません（`{s}` のことですか？）"),
    ("operr.kmalloc_cache", "`{name}` is a kmalloc cache and cannot be destroyed", "`{name}` は kmalloc キャッシュなので破棄できません"),
    ("operr.cache_busy", "cache `{name}` still has {live} allocated object(s): free them before destroying it", "キャッシュ `{name}` にはまだ確保中のオブジェクトが {live} 個あります。破棄する前に解放してください"),
    ("operr.outside_memory", "address {addr} is outside simulated memory", "アドレス {addr} はシミュレーションのメモリの外です"),
    ("operr.not_for_policy", "{what} is not available with slab={policy}", "slab={policy} では{what}は使えません"),
    ("operr.double_free", "double free: `{name}` ({addr}) was already freed; without slub_debug=F Linux would corrupt the freelist (a hardened kernel BUG()s only if it is the freelist head)", "二重解放：`{name}`（{addr}）はすでに解放されています。slub_debug=F がなければ Linux はフリーリストを壊します（強化カーネルが BUG() するのはそれがフリーリストの先頭のときだけです）"),
    ("operr.double_free_checked", "double free: `{name}` ({addr}) was already freed; SLUB's consistency checks report \"Object already free\" and refuse it", "二重解放：`{name}`（{addr}）はすでに解放されています。SLUB の整合性チェックが \"Object already free\" を報告して拒否します"),
    ("operr.double_free_in.slab", "double free: `{name}` ({addr}) was already freed; classic SLAB (slab=slab) would put it in the CPU's array_cache a second time and hand it out twice (only CONFIG_DEBUG_SLAB's red-zone check, `verify_redzone_free`, reports \"double free detected\")", "二重解放：`{name}`（{addr}）はすでに解放されています。従来の SLAB（slab=slab）はそれを CPU の array_cache に二度入れ、二度払い出します（\"double free detected\" を報告するのは CONFIG_DEBUG_SLAB のレッドゾーン検査 `verify_redzone_free` だけです）"),
    ("operr.double_free_in.aether", "double free: `{name}` ({addr}) was already freed; the AetherOS allocator (slab=aether) checks that the address is a live object of its cache and refuses it (invalid free)", "二重解放：`{name}`（{addr}）はすでに解放されています。AetherOS のアロケータ（slab=aether）はアドレスがそのキャッシュの使用中オブジェクトかを確かめ、拒否します（不正な解放）"),
    ("operr.double_free_in.slob", "double free: `{name}` ({addr}) was already freed; SLOB (slab=slob) checks nothing: `slob_free` would link the block into its page's free chain a second time (kfree would first read a size header the first free overwrote)", "二重解放：`{name}`（{addr}）はすでに解放されています。SLOB（slab=slob）は何も検査しません：`slob_free` はブロックをページの空きチェーンに二度つなぎます（kfree はまず、最初の解放が上書きしたサイズヘッダを読みます）"),
    ("operr.double_free_in.magazine", "double free: `{name}` ({addr}) was already freed; a magazine takes any object without a check: it would be in a magazine twice and handed out twice (SLUB's checks see only objects that reach their slab)", "二重解放：`{name}`（{addr}）はすでに解放されています。マガジンはどのオブジェクトも検査せずに受け取ります：マガジンに二度入り、二度払い出されます（SLUB の検査はスラブまで戻ったオブジェクトしか見ません）"),
    ("operr.double_free_in.sheaf", "double free: `{name}` ({addr}) was already freed; a sheaf takes any object without a check: it would be in a sheaf twice and handed out twice (SLUB's checks see only objects that reach their slab)", "二重解放：`{name}`（{addr}）はすでに解放されています。シーフはどのオブジェクトも検査せずに受け取ります：シーフに二度入り、二度払い出されます（SLUB の検査はスラブまで戻ったオブジェクトしか見ません）"),
    ("operr.double_page_free", "double free: `{name}` (pfn {pfn}) was already freed; in Linux `__free_pages` would find the page's reference count already zero (`put_page_testzero`: VM_BUG_ON_PAGE with CONFIG_DEBUG_VM, otherwise the count underflows)", "二重解放：`{name}`（pfn {pfn}）はすでに解放されています。Linux では `__free_pages` がページの参照カウントがすでに 0 であることに気づきます（`put_page_testzero`：CONFIG_DEBUG_VM なら VM_BUG_ON_PAGE、そうでなければカウントがアンダーフローします）"),
    ("cfgerr.bad_memory", "memory {mem_bytes} bytes is not a non-zero multiple of {nodes} node(s) x 4 KiB, at most 4 GiB", "メモリ {mem_bytes} バイトは {nodes} ノード × 4 KiB の 0 でない倍数（最大 4 GiB）ではありません"),
    ("cfgerr.bad_nodes", "nodes={n} is outside 1..=4", "nodes={n} は 1..=4 の範囲外です"),
    ("cfgerr.bad_cpus", "cpus={cpus} must be in 1..=64 and at least nodes={nodes}", "cpus={cpus} は 1..=64 の範囲で、nodes={nodes} 以上でなければなりません"),
    ("cfgerr.front_end_conflict", "percpu={percpu} cannot run in front of slab={slab}: it already has its own per-CPU layer", "percpu={percpu} は slab={slab} の前では動かせません：すでに独自の CPU ごとの層を持っています"),
    ("err.flag_config", "{flag} (command line): invalid machine: {what}", "{flag}（コマンドライン）：マシン構成が不正です：{what}"),
    ("phrase.a block from `pages alloc`", "a block from `pages alloc`", "`pages alloc` のブロック"),
    ("phrase.a block from `malloc`", "a block from `malloc`", "`malloc` のブロック"),
    ("phrase.a kmalloc allocation", "a kmalloc allocation", "kmalloc の確保"),
    ("phrase.a kmalloc object", "a kmalloc object", "kmalloc のオブジェクト"),
    ("phrase.a slab object", "a slab object", "スラブのオブジェクト"),
    ("phrase.krealloc", "krealloc", "krealloc"),
    ("phrase.reap", "reap", "reap（定期回収）"),
    ("phrase.slub_debug validation", "slub_debug validation", "slub_debug の検証"),
    ("phrase.sysfs", "sysfs", "sysfs"),
    ("phrase.bulk allocation", "bulk allocation", "一括確保"),
    ("phrase.cache geometry", "cache geometry", "キャッシュの形状"),
    ("phrase.freelist", "freelist", "フリーリスト"),
    ("phrase.fast/slow", "fast/slow", "fast/slow（高速・低速パス）"),
    ("phrase.depot", "depot", "デポ"),
    ("phrase.freeptr", "freeptr", "freeptr（フリーポインタ）"),
    ("phrase.fp_offset", "fp_offset", "fp_offset（フリーポインタの位置）"),
    // s6-tracec: why a trace line is malformed (core `trace::MalformedReason::key`).
    ("trace.malformed.no_cpu", "no `[cpu]` field", "`[cpu]` 欄がありません"),
    ("trace.malformed.unterminated_cpu", "unterminated `[cpu]` field", "`[cpu]` 欄が閉じていません"),
    ("trace.malformed.cpu_not_a_number", "the CPU in `[cpu]` is not a number", "`[cpu]` の CPU が数ではありません"),
    ("trace.malformed.cpu_out_of_range", "CPU [{cpu}] out of range (traced CPU ids are below {max})", "CPU [{cpu}] は範囲外です（トレースの CPU 番号は {max} 未満）"),
    ("trace.malformed.no_pid", "no pid before `[cpu]`", "`[cpu]` の前に pid がありません"),
    ("trace.malformed.no_comm", "no task name before the pid", "pid の前にタスク名がありません"),
    ("trace.malformed.no_timestamp", "no `timestamp:`", "`timestamp:` がありません"),
    ("trace.malformed.bad_timestamp", "bad timestamp", "タイムスタンプが不正です"),
    ("trace.malformed.no_event", "no `event:`", "`event:` がありません"),
    ("trace.malformed.missing_field", "{event} without `{field}=`", "{event} に `{field}=` がありません"),
    ("trace.malformed.not_a_number", "`{field}=` is not a number", "`{field}=` が数ではありません"),
    ("trace.malformed.node_out_of_range", "`node={value}` out of range", "`node={value}` は範囲外です"),
    ("trace.malformed.size_out_of_range", "size out of range (bytes_req={bytes_req} bytes_alloc={bytes_alloc}; at most {max})", "サイズが範囲外です（bytes_req={bytes_req} bytes_alloc={bytes_alloc}、上限 {max}）"),
    ("trace.malformed.alloc_below_request", "bytes_alloc={bytes_alloc} is below bytes_req={bytes_req}", "bytes_alloc={bytes_alloc} が bytes_req={bytes_req} より小さいです"),
    ("trace.malformed.cache_alloc_without_name", "kmem_cache_alloc without `name=`", "kmem_cache_alloc に `name=` がありません"),
    ("trace.malformed.nil_allocation", "an allocation of `ptr=(nil)` (a failed allocation is not traced)", "`ptr=(nil)` の確保です（失敗した確保はトレースされません）"),
    ("trace.malformed.order_out_of_range", "order={order} out of range (at most {max})", "order={order} は範囲外です（上限 {max}）"),
    ("trace.malformed.line_too_long", "line longer than {max} bytes", "行が {max} バイトを超えています"),
    ("trace.malformed.invalid_utf8", "invalid UTF-8 at byte {byte} of the line", "行の {byte} バイト目が不正な UTF-8 です"),
    // s6-tracew: summaries and filters made in slices; the old trace dropped while a new one loads.
    ("trace.summarising", "Summarising the trace: {pct}% of {events} events", "トレースを集計中：{events} イベントの {pct}%"),
    ("trace.filtering", "Applying the filter: {pct}% of the trace…", "絞り込みを適用中：トレースの {pct}%…"),
    // s6-layout (issue 13): an answered lesson question's one answer line.
    ("lesson.answer", "Answer:", "正解："),
    ("lesson.your_answer", "your answer:", "あなたの答え："),
    // s7-compare (issue #19): a trace comparison replays from boot; the work made in slices.
    ("compare.trace_changed", "Another trace was loaded while the comparison was being made: run it again.", "比較の準備中に別のトレースが読み込まれました。もう一度実行してください。"),
    ("compare.trace_fresh", "Each configuration boots a fresh machine and replays the whole trace from its first event: the same work under different allocators, not the picture the trace view shows.", "各構成は新しいマシンを起動し、トレースを最初のイベントから全部再生します。同じ処理を別のアロケータで実行するもので、トレース表示の状態から始めるのではありません。"),
    // s8-contract (issue #15): the per-CPU fast-path table names the policy whose counts it shows.
    ("trace.fastpath.of", "Fast-path rate per CPU (simulated {policy}: {what})", "CPU ごとのファストパス率（シミュレートした {policy}：{what}）"),
    ("trace.fastpath.with_magazines", "{policy} + magazines", "{policy} + マガジン"),
    ("trace.fastpath.what.slub", "the lockless cpu freelist", "ロックレスな CPU フリーリスト"),
    ("trace.fastpath.what.sheaves", "the main and spare sheaves, then the barn", "メインとスペアのシーフ、次にバーン"),
    ("trace.fastpath.what.slab", "the per-CPU array cache", "CPU ごとの array cache"),
    ("trace.fastpath.what.aether", "the hot list and the per-CPU object cache", "ホットリストと CPU ごとのオブジェクトキャッシュ"),
    ("trace.fastpath.none", "none, it has no per-CPU fast path", "なし（CPU ごとのファストパスはありません）"),
    ("trace.fastpath.magazines", "the magazines, then {what}", "マガジン、次に{what}"),
    ("trace.fastpath.magazines_only", "the magazines (no fast path behind them)", "マガジン（その後ろにファストパスはありません）"),
    // s11-trace: the views of a loaded trace drawn a task after it is installed.
    ("trace.installing", "{name}: drawing the views…", "{name}：表示を準備中…"),
    // s12: a large session's charts are made in slices (hooks/series.rs).
    ("ui.charts_making", "Making the charts: replaying the session…", "グラフを作成中：セッションを再生しています…"),
];

/// The file of Japanese texts beside the bundle: a line per catalogue row, `key \t text`.
pub const JA_FILE: &str = "i18n-ja.tsv";

/// Row of each key (built on first use: a lookup was a linear scan of ~750 rows).
fn row(key: &str) -> Option<usize> {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<&'static str, usize>> = std::sync::OnceLock::new();
    INDEX.get_or_init(|| CATALOGUE.iter().enumerate().map(|(i, e)| (e.0, i)).collect()).get(key).copied()
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// The Japanese text per catalogue row, from [`install_ja`] (UI thread only).
    static JA: std::cell::RefCell<Vec<Option<std::rc::Rc<str>>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The Japanese text of row `i` (English until [`install_ja`] has it).
#[cfg(target_arch = "wasm32")]
fn ja(i: usize) -> Option<String> {
    JA.with(|j| j.borrow().get(i).cloned().flatten().map(|s| s.to_string()))
}

#[cfg(not(target_arch = "wasm32"))]
fn ja(i: usize) -> Option<String> {
    Some(CATALOGUE[i].2.to_string())
}

/// True once the Japanese texts are in (always in a native build).
pub fn ja_ready() -> bool {
    #[cfg(target_arch = "wasm32")]
    return JA.with(|j| !j.borrow().is_empty());
    #[cfg(not(target_arch = "wasm32"))]
    true
}

/// A native build has the Japanese texts compiled in.
#[cfg(not(target_arch = "wasm32"))]
pub fn install_ja(_text: &str) -> usize {
    CATALOGUE.len()
}

/// Install the text of [`JA_FILE`]: `key \t text` lines; a key the catalogue does not have is
/// skipped, a row the file does not have stays English. The number of rows it gave.
#[cfg(target_arch = "wasm32")]
pub fn install_ja(text: &str) -> usize {
    let mut rows = vec![None; CATALOGUE.len()];
    let mut n = 0;
    for (k, v) in text.lines().filter_map(|l| l.split_once('\t')) {
        if let Some(i) = row(k) {
            rows[i] = Some(std::rc::Rc::from(v));
            n += 1;
        }
    }
    JA.with(|j| *j.borrow_mut() = rows);
    n
}

/// The text of [`JA_FILE`] for this catalogue (its generator and test).
#[cfg(test)]
pub fn ja_file() -> String {
    CATALOGUE.iter().map(|(k, _, ja)| format!("{k}\t{ja}\n")).collect()
}

/// Look up `key` (falls back to English, then to the key itself so a missing entry is visible).
pub fn t(lang: Lang, key: &str) -> String {
    match row(key) {
        Some(i) => match lang {
            Lang::Ja => ja(i).unwrap_or_else(|| CATALOGUE[i].1.to_string()),
            Lang::En => CATALOGUE[i].1.to_string(),
        },
        None => key.to_string(),
    }
}

/// Look up `key` and substitute `{name}` parameters.
pub fn tf(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut s = t(lang, key);
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// The sentence for an event message; `cache` names cache ids.
pub fn message(lang: Lang, m: &Message, names: &Names, cache: &dyn Fn(u32) -> String) -> String {
    let args: Vec<(&str, String)> = m
        .args
        .iter()
        .map(|(k, a)| {
            let v = match a {
                Arg::Num(n) => n.to_string(),
                Arg::Word(w) => {
                    let key = format!("word.{w}");
                    let text = t(lang, &key);
                    if text == key {
                        w.to_string()
                    } else {
                        text
                    }
                }
                Arg::Hex(b) => format!("{b:#x}"),
                Arg::Name(s) => names.name(*s).to_string(),
                Arg::Cache(c) => cache(*c),
                Arg::Addr(a) => format!("{a:#x}"),
            };
            (*k, v)
        })
        .collect();
    tf(lang, m.key, &args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use slabscope_core::machine::MachineConfig;
    use slabscope_core::script;

    /// Every message the core produces in a varied session has an entry in both languages, and
    /// the entry uses exactly the message's parameters.
    #[test]
    fn every_core_message_is_translated() {
        let scripts = [
            include_str!("../../core/tests/data/determinism.ops").to_string(),
            // Node fallback, merge stops at the zone edge and at max order, lists, show.
            "config mem=12M nodes=2 cpus=2\npages alloc order=10 node=0 as=a\npages alloc order=10 node=0 as=b\n\
             pages alloc order=0 node=0 as=c\npages free c\npages free a\npages free b\n\
             pages alloc order=0 as=x[]\npages free x[0]\npages free x[*]\nshow stats\nshow slabinfo\n"
                .to_string(),
            // pcp drains and drain_all_pages before OOM.
            "config mem=256K pcp=on cpus=2\nrepeat 60 { pages alloc order=0 cpu=0 as=a[] }\n\
             pages free a[*] cpu=1\npages alloc order=6 as=big\n"
                .to_string(),
            // SLUB: every allocation and free path, partial lists, merging, discard, destroy.
            "config cpus=4\ncache create a size=100\ncache create b size=98\ncache destroy b\n\
             cache create rz size=64 flags=redzone\ncache alloc rz as=r\ncache free r\ncache destroy rz\n\
             repeat 640 { kmalloc 64 cpu=0 as=p[] }\nkfree p[512] cpu=1\nkfree p[448] cpu=1\nkfree p[384] cpu=1\n\
             kfree p[320] cpu=1\nkfree p[256] cpu=1\nkfree p[192] cpu=1\nkfree p[128] cpu=1\nkfree p[64] cpu=1\n\
             kfree p[0] cpu=1\nkmalloc 64 cpu=3 as=x\nkfree x cpu=3\nkmalloc 64 cpu=0 as=y\nkfree p[*] cpu=2\n\
             kmalloc 64 node=0 cpu=0 as=z\nkmalloc 9000 as=big\nkfree big\ncache destroy a\n\
             cache create ps size=64 flags=poison,user\ncache alloc ps as=q\ncache free q\nwrite q offset=64 byte=0xb7\n\
             cache validate ps\nwrite q offset=3 byte=1\ncache validate ps\nshow leaks\n\
             kmalloc 48 as=r\nkrealloc r 40 zero\nkrealloc r 200\n\
             malloc 32 as=a\nmalloc 32 as=b\nfree a\nmalloc 32 as=c\nfree c\nfree b\nshow superslabs\n\
             repeat 200 { malloc 64 as=t[] }\nfree t[*]\n"
                .to_string(),
            "config percpu=magazine\nrepeat 200 { kmalloc 64 as=p[] }\nkfree p[*]\nrepeat 100 { kmalloc 64 as=q[] }\n\
             reap\nreap\n"
                .to_string(),
            "config slab=sheaves\nrepeat 500 { kmalloc 64 cpu=0 as=p[] }\nkfree p[*] cpu=1\nrepeat 100 { kmalloc 64 cpu=1 as=q[] }\n"
                .to_string(),
            // slub_debug failures: an alloc check disables a slab, free checks leak objects.
            "config slub_debug=FZPU\nkmalloc 32 as=a\nkmalloc 32 as=b\nkfree b\nwrite b offset=8 byte=0\n\
             kmalloc 32 as=c\nkfree a\nkmalloc 24 as=d\nwrite d offset=24 byte=0x41\nkfree d\n"
                .to_string(),
            "config slab=aether per_cpu_cache_size=2 bulk_transfer_size=2 slab_release_threshold=0\n\
             cache create c size=40\nrepeat 30 { kmalloc 64 as=p[] }\nkfree p[*]\ncache alloc c as=x\n\
             kmalloc 64 as=y\nkfree y\nkmalloc 64 as=z\ncache free x\ncache destroy c\nshrink\n"
                .to_string(),
            "config slab=slab cpus=2\ncache create c size=256\nrepeat 800 { kmalloc 64 cpu=0 as=p[] }\n\
             kfree p[*] cpu=1\nreap\nkmalloc 64 cpu=1 as=q\nreap\nreap\nrepeat 40 { cache alloc c as=r[] }\n\
             cache free r[*]\ncache destroy c\nshrink\n"
                .to_string(),
        ];
        let mut seen = std::collections::BTreeSet::new();
        for src in &scripts {
            let s = script::load(src, &MachineConfig::default(), &[]).unwrap_or_else(|e| panic!("{e}"));
            s.for_each_event(|_, ev| {
                let m = ev.message();
                seen.insert(m.key);
                for lang in [Lang::En, Lang::Ja] {
                    let text = message(lang, &m, s.names(), &|c| s.head().cache_name(c));
                    assert_ne!(text, m.key, "{} has no catalogue entry", m.key);
                    assert!(!text.contains('{'), "{}: unfilled placeholder in {text:?}", m.key);
                }
            });
        }
        for key in [
            "buddy.fallback",
            "buddy.merge_stop_zone",
            "buddy.merge_stop_max",
            "pcp.drain",
            "pcp.drain_all",
            "script.list_empty",
            "buddy.inserted_tail_merge",
            "debug.not_freed",
            "debug.slab_disabled",
            "slub.alloc_bulk",
        ] {
            assert!(seen.contains(key), "scenario did not produce {key}: {seen:?}");
        }
    }

    /// s6-tracec: every malformed-line reason has an entry in both languages that uses exactly
    /// the reason's parameters, and the English entry reads as the CLI prints it.
    #[test]
    fn every_malformed_reason_is_translated() {
        for r in slabscope_core::trace::MalformedReason::examples() {
            let args: Vec<(&str, String)> = r.args();
            for lang in [Lang::En, Lang::Ja] {
                let text = tf(lang, r.key(), &args);
                assert_ne!(text, r.key(), "{} has no catalogue entry", r.key());
                assert!(!text.contains('{'), "{}: unfilled placeholder in {text:?}", r.key());
            }
            assert_eq!(tf(Lang::En, r.key(), &args), r.to_string(), "{}", r.key());
            let en = t(Lang::En, r.key());
            let mut used: Vec<&str> = args.iter().map(|a| a.0).filter(|k| en.contains(&format!("{{{k}}}"))).collect();
            used.sort();
            let mut all: Vec<&str> = args.iter().map(|a| a.0).collect();
            all.sort();
            assert_eq!(used, all, "{}: a parameter is not shown", r.key());
        }
    }

    #[test]
    fn catalogue_complete_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for &(k, en, ja) in CATALOGUE {
            assert!(seen.insert(k), "duplicate key {k}");
            assert!(!en.is_empty() && !ja.is_empty(), "{k} incomplete");
            // Same placeholders in both languages.
            let ph = |s: &str| {
                let mut v: Vec<String> =
                    s.split('{').skip(1).filter_map(|p| p.split('}').next()).map(String::from).collect();
                v.sort();
                v
            };
            assert_eq!(ph(en), ph(ja), "{k}: placeholders differ");
            assert!(!k.contains(['\t', '\n']) && !ja.contains(['\t', '\n']), "{k}: a tab or newline breaks {JA_FILE}");
        }
    }

    /// `web/i18n-ja.tsv`, the Japanese texts the page fetches (#14: not in the bundle), is this
    /// catalogue's: an edit of the catalogue changes it, and `SLABSCOPE_BLESS=1 cargo test -p
    /// slabscope-web i18n` writes it again.
    #[test]
    fn the_japanese_file_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(JA_FILE);
        let want = ja_file();
        if std::env::var_os("SLABSCOPE_BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "{} is stale: run SLABSCOPE_BLESS=1 cargo test -p slabscope-web i18n", path.display());
        assert_eq!(want.lines().count(), CATALOGUE.len());
    }
}
