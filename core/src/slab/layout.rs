//! Pure Linux formulas for slab caches (mm/slub.c and mm/slab_common.c, Linux 6.18): object
//! layout (`calculate_sizes`), alignment, slab order (`calculate_order`), partial-list limits
//! (`min_partial`, `cpu_partial`, `cpu_partial_slabs`) and the kmalloc size classes.
//! Shared by every slab policy; no state.

use serde::{Deserialize, Serialize};

use crate::machine::{MAX_PAGE_ORDER, PAGE_SIZE};

/// Cache flags from `cache create ... flags=` (the Linux `SLAB_*` flag each stands for).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CacheFlags(pub u16);

impl CacheFlags {
    /// `SLAB_HWCACHE_ALIGN`: align objects to cache lines.
    pub const HWCACHE: CacheFlags = CacheFlags(1);
    /// `SLAB_NO_MERGE`: never alias with another cache.
    pub const NOMERGE: CacheFlags = CacheFlags(2);
    /// `SLAB_RED_ZONE` (slub_debug `Z`).
    pub const REDZONE: CacheFlags = CacheFlags(4);
    /// `SLAB_POISON` (slub_debug `P`).
    pub const POISON: CacheFlags = CacheFlags(8);
    /// `SLAB_STORE_USER` (slub_debug `U`).
    pub const USER: CacheFlags = CacheFlags(16);
    /// Zero objects on allocation (`__GFP_ZERO` / the AetherOS `CacheFlags::ZERO`).
    pub const ZERO: CacheFlags = CacheFlags(32);
    /// `SLAB_CONSISTENCY_CHECKS` (slub_debug `F`).
    pub const CHECKS: CacheFlags = CacheFlags(64);
    /// `SLAB_KMALLOC`: one of the kmalloc caches.
    pub const KMALLOC: CacheFlags = CacheFlags(128);

    /// The op-language names, in bit order.
    pub const NAMES: &'static [(&'static str, CacheFlags)] = &[
        ("hwcache", Self::HWCACHE),
        ("nomerge", Self::NOMERGE),
        ("redzone", Self::REDZONE),
        ("poison", Self::POISON),
        ("user", Self::USER),
        ("zero", Self::ZERO),
        ("checks", Self::CHECKS),
    ];

    /// True when every bit of `other` is set.
    pub fn has(self, other: CacheFlags) -> bool {
        self.0 & other.0 == other.0
    }
    /// Union.
    pub fn with(self, other: CacheFlags) -> CacheFlags {
        CacheFlags(self.0 | other.0)
    }
    /// Any slub_debug flag (`SLAB_DEBUG_FLAGS`): such caches use no cpu slab and no cpu partial list.
    pub fn debug(self) -> bool {
        self.0 & (Self::REDZONE.0 | Self::POISON.0 | Self::USER.0 | Self::CHECKS.0) != 0
    }
    /// `SLAB_NEVER_MERGE` part of the flags.
    pub fn never_merge(self) -> bool {
        self.0 & (Self::REDZONE.0 | Self::POISON.0 | Self::USER.0 | Self::NOMERGE.0) != 0
    }
    /// Comma-separated names (`-` when none).
    pub fn names(self) -> String {
        let v: Vec<&str> = Self::NAMES.iter().filter(|(_, f)| self.has(*f)).map(|(n, _)| *n).collect();
        if v.is_empty() {
            "-".into()
        } else {
            v.join(",")
        }
    }
}

/// `sizeof(void *)` on x86-64.
pub const WORD: u32 = 8;
/// `sizeof(struct track)` on x86-64 with SLUB_DEBUG (stack depot handle included).
pub const TRACK_SIZE: u32 = 32;
/// `cache_line_size()` on x86-64.
pub const CACHE_LINE: u32 = 64;
/// `slub_max_order` default (`PAGE_ALLOC_COSTLY_ORDER`).
pub const SLUB_MAX_ORDER: u8 = 3;
/// `MAX_OBJS_PER_PAGE` (slab.objects is 15 bits).
pub const MAX_OBJS_PER_PAGE: u32 = 32767;
/// Largest kmalloc cache size (`KMALLOC_MAX_CACHE_SIZE`, 8 KiB with 4 KiB pages).
pub const KMALLOC_MAX_CACHE_SIZE: u32 = 8192;
/// Largest kmalloc size (`KMALLOC_MAX_SIZE` = 4 MiB: `MAX_PAGE_ORDER` pages).
pub const KMALLOC_MAX_SIZE: u64 = PAGE_SIZE << MAX_PAGE_ORDER;

const fn align_up(x: u32, a: u32) -> u32 {
    x.div_ceil(a) * a
}

/// `get_order(size)`: the smallest order whose block holds `size` bytes.
pub fn get_order(size: u64) -> u8 {
    let pages = size.max(1).div_ceil(PAGE_SIZE);
    (64 - (pages - 1).leading_zeros()) as u8
}

fn fls(x: u32) -> u32 {
    32 - x.leading_zeros()
}

/// Where everything sits inside one object slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    /// Bytes the user asked for (`object_size`).
    pub object_size: u32,
    /// Slot size including metadata (`size`, the slabinfo `<objsize>`).
    pub size: u32,
    /// Alignment of slots.
    pub align: u32,
    /// End of object + right red zone: metadata starts here (`inuse`).
    pub inuse: u32,
    /// Offset of the free pointer from the object start (`offset`).
    pub offset: u32,
    /// Left red zone before each object (`red_left_pad`).
    pub red_left_pad: u32,
}

impl Layout {
    /// True when the free pointer lies outside the object (after it).
    pub fn freeptr_outside(&self) -> bool {
        self.offset >= self.inuse
    }
}

/// `calculate_alignment`. (kmalloc caches additionally get natural alignment, passed in `align`
/// by their creator as `create_boot_cache` does: see [`kmalloc_align`].)
pub fn calculate_alignment(flags: CacheFlags, align: u32, size: u32) -> u32 {
    let mut align = align.max(1);
    if flags.has(CacheFlags::HWCACHE) {
        let mut ralign = CACHE_LINE;
        while size <= ralign / 2 {
            ralign /= 2;
        }
        align = align.max(ralign);
    }
    align_up(align.max(WORD), WORD)
}

/// Natural alignment of a kmalloc cache of `size`: its largest power-of-two divisor.
pub fn kmalloc_align(size: u32) -> u32 {
    1 << size.trailing_zeros()
}

/// `calculate_sizes`: the slot layout for an object size, alignment and flags.
pub fn calculate_sizes(object_size: u32, align: u32, flags: CacheFlags) -> Layout {
    let align = calculate_alignment(flags, align, object_size);
    let redzone = flags.has(CacheFlags::REDZONE);
    let user = flags.has(CacheFlags::USER);
    let kmalloc = flags.has(CacheFlags::KMALLOC);
    let mut size = align_up(object_size, WORD);
    if redzone && size == object_size {
        size += WORD;
    }
    let inuse = size;
    let offset;
    if flags.has(CacheFlags::POISON) || (redzone && (object_size < WORD || (user && kmalloc))) {
        offset = size;
        size += WORD;
    } else {
        offset = (object_size / 2) / WORD * WORD;
    }
    if user {
        size += 2 * TRACK_SIZE;
        if kmalloc {
            size += 4;
        }
    }
    let mut red_left_pad = 0;
    if redzone {
        size += WORD;
        red_left_pad = align_up(WORD, align);
        size += red_left_pad;
    }
    Layout { object_size, size: align_up(size, align), align, inuse, offset, red_left_pad }
}

/// Objects of `size` in a slab of `order`.
pub fn order_objects(order: u8, size: u32) -> u32 {
    ((PAGE_SIZE << order) / u64::from(size)) as u32
}

fn calc_slab_order(size: u32, min_order: u8, max_order: u8, fract_leftover: u32) -> u8 {
    let mut order = min_order;
    while order <= max_order {
        let slab_size = (PAGE_SIZE << order) as u32;
        if slab_size % size <= slab_size / fract_leftover {
            break;
        }
        order += 1;
    }
    order
}

/// `calculate_order` for a slot size on a machine with `nr_cpus` CPUs (`slub_min_order` 0,
/// `slub_max_order` 3, automatic `min_objects = 4 * (fls(nr_cpus) + 1)`).
pub fn calculate_order(size: u32, nr_cpus: u16) -> u8 {
    let min_objects = 4 * (fls(u32::from(nr_cpus.max(1))) + 1);
    let max_objects = order_objects(SLUB_MAX_ORDER, size).max(1);
    let min_objects = min_objects.min(max_objects);
    let min_order = get_order(u64::from(min_objects) * u64::from(size));
    if order_objects(min_order, size) > MAX_OBJS_PER_PAGE {
        return get_order(u64::from(size) * u64::from(MAX_OBJS_PER_PAGE)) - 1;
    }
    let mut fraction = 16;
    while fraction > 1 {
        let order = calc_slab_order(size, min_order, SLUB_MAX_ORDER, fraction);
        if order <= SLUB_MAX_ORDER {
            return order;
        }
        fraction /= 2;
    }
    get_order(u64::from(size)).min(MAX_PAGE_ORDER)
}

/// `min_partial`: `clamp(ilog2(size) / 2, 5, 10)`.
pub fn min_partial(size: u32) -> u32 {
    ((31 - size.leading_zeros()) / 2).clamp(5, 10)
}

/// `set_cpu_partial`: (`cpu_partial` objects, `cpu_partial_slabs`). Zero for debug caches.
pub fn cpu_partial(size: u32, objects: u32, debug: bool) -> (u32, u32) {
    let nr = if debug {
        0
    } else if u64::from(size) >= PAGE_SIZE {
        6
    } else if size >= 1024 {
        24
    } else if size >= 256 {
        52
    } else {
        120
    };
    (nr, (nr * 2).div_ceil(objects.max(1)))
}

/// The kmalloc caches: (size, name), in index order 3..=13 with 96 and 192 where Linux has them.
pub const KMALLOC_SIZES: &[(u32, &str)] = &[
    (8, "kmalloc-8"),
    (16, "kmalloc-16"),
    (32, "kmalloc-32"),
    (64, "kmalloc-64"),
    (96, "kmalloc-96"),
    (128, "kmalloc-128"),
    (192, "kmalloc-192"),
    (256, "kmalloc-256"),
    (512, "kmalloc-512"),
    (1024, "kmalloc-1k"),
    (2048, "kmalloc-2k"),
    (4096, "kmalloc-4k"),
    (8192, "kmalloc-8k"),
];

/// The name of the kmalloc cache serving a request of `size` bytes (1..=8192).
pub fn kmalloc_name(size: u32) -> &'static str {
    let class = kmalloc_cache_size(size);
    KMALLOC_SIZES.iter().find(|&&(s, _)| s == class).map_or("kmalloc-8k", |&(_, n)| n)
}

/// `kmalloc_slab` size-to-cache mapping: the cache size serving a request of `size` bytes
/// (1..=8192): `kmalloc_size_index[(size - 1) / 8]` up to 192, `fls(size - 1)` above.
pub fn kmalloc_cache_size(size: u32) -> u32 {
    const SIZE_INDEX: [u32; 24] =
        [8, 16, 32, 32, 64, 64, 64, 64, 96, 96, 96, 96, 128, 128, 128, 128, 192, 192, 192, 192, 192, 192, 192, 192];
    if size <= 192 {
        SIZE_INDEX[((size.max(1) - 1) / 8) as usize]
    } else {
        1 << fls(size - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_linux_calculate_sizes() {
        let l = |o, f| calculate_sizes(o, 0, f);
        let r = |l: Layout| (l.object_size, l.align, l.inuse, l.offset, l.red_left_pad, l.size);
        assert_eq!(r(l(24, CacheFlags::default())), (24, 8, 24, 8, 0, 24));
        assert_eq!(r(l(64, CacheFlags::POISON)), (64, 8, 64, 64, 0, 72));
        assert_eq!(r(l(64, CacheFlags::REDZONE)), (64, 8, 72, 32, 8, 88));
        let kzu = CacheFlags::KMALLOC.with(CacheFlags::USER).with(CacheFlags::REDZONE);
        // The KUnit cache "TestSlub_RZ_kmalloc" (created without natural alignment).
        assert_eq!(r(calculate_sizes(32, 0, kzu)), (32, 8, 40, 40, 8, 136));
        let fzpu = CacheFlags::KMALLOC
            .with(CacheFlags::CHECKS)
            .with(CacheFlags::REDZONE)
            .with(CacheFlags::POISON)
            .with(CacheFlags::USER);
        assert_eq!(r(calculate_sizes(8, kmalloc_align(8), fzpu)), (8, 8, 16, 16, 8, 112));
        assert_eq!(r(calculate_sizes(64, kmalloc_align(64), fzpu)), (64, 64, 72, 72, 64, 256));
        // Hardware cache alignment halves the line while the object fits in half.
        assert_eq!(calculate_alignment(CacheFlags::HWCACHE, 0, 20), 32);
        assert_eq!(calculate_alignment(CacheFlags::HWCACHE, 0, 100), 64);
    }

    /// objperslab / pagesperslab of every kmalloc cache for 1, 2, 4, 8 and 64 CPUs, as a
    /// Linux 6.x kernel computes them (mm/slub.c calculate_order).
    #[test]
    fn kmalloc_slab_geometry_matches_linux() {
        let expected: &[(u32, [(u32, u32); 5])] = &[
            (8, [(512, 1); 5]),
            (16, [(256, 1); 5]),
            (32, [(128, 1); 5]),
            (64, [(64, 1); 5]),
            (96, [(42, 1); 5]),
            (128, [(32, 1); 5]),
            (192, [(21, 1), (21, 1), (21, 1), (21, 1), (42, 2)]),
            (256, [(16, 1), (16, 1), (16, 1), (32, 2), (32, 2)]),
            (512, [(8, 1), (16, 2), (16, 2), (32, 4), (32, 4)]),
            (1024, [(8, 2), (16, 4), (16, 4), (32, 8), (32, 8)]),
            (2048, [(8, 4), (16, 8), (16, 8), (16, 8), (16, 8)]),
            (4096, [(8, 8); 5]),
            (8192, [(4, 8); 5]),
        ];
        for &(size, cols) in expected {
            for (i, cpus) in [1u16, 2, 4, 8, 64].into_iter().enumerate() {
                let layout = calculate_sizes(size, kmalloc_align(size), CacheFlags::KMALLOC);
                assert_eq!(layout.size, size);
                let order = calculate_order(layout.size, cpus);
                let got = (order_objects(order, layout.size), 1u32 << order);
                assert_eq!(got, cols[i], "kmalloc-{size} with {cpus} cpus");
            }
        }
    }

    #[test]
    fn partial_limits() {
        assert_eq!(min_partial(8), 5);
        assert_eq!(min_partial(4096), 6);
        assert_eq!(min_partial(8192), 6);
        assert_eq!(cpu_partial(64, 64, false), (120, 4));
        assert_eq!(cpu_partial(512, 16, false), (52, 7));
        assert_eq!(cpu_partial(4096, 8, false), (6, 2));
        assert_eq!(cpu_partial(64, 64, true), (0, 0));
    }

    #[test]
    fn kmalloc_index() {
        let cases = [
            (1, 8),
            (8, 8),
            (9, 16),
            (17, 32),
            (33, 64),
            (65, 96),
            (96, 96),
            (97, 128),
            (129, 192),
            (192, 192),
            (193, 256),
            (257, 512),
            (1000, 1024),
            (4097, 8192),
            (8192, 8192),
        ];
        for (req, cache) in cases {
            assert_eq!(kmalloc_cache_size(req), cache, "kmalloc({req})");
        }
        assert_eq!(get_order(1), 0);
        assert_eq!(get_order(4096), 0);
        assert_eq!(get_order(4097), 1);
        assert_eq!(get_order(3 << 20), 10);
    }
}
