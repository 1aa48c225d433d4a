//! Kernel virtual addresses of simulated physical memory (the x86-64 direct map), used by every
//! layer that hands out addresses.

/// Base of the kernel direct map: object addresses are `DIRECT_MAP + physical address`, as on
/// x86-64 (so NULL is never a valid object address).
pub const DIRECT_MAP: u64 = 0xffff_8880_0000_0000;
/// Virtual address of a physical address.
pub fn virt(phys: u64) -> u64 {
    DIRECT_MAP + phys
}
/// Physical address of a direct-map address.
pub fn phys(addr: u64) -> u64 {
    addr.wrapping_sub(DIRECT_MAP)
}
