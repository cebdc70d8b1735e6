// ddisim::platform address map — where the platform puts device registers.
//
// Physical address space (DRAM regions from platform.memory):
//   0x0000_0000 … low_size            DRAM, low region (32-bit reachable)
//   0xFE00_0000 … 0xFE00_FFFF          DMA controller registers (models/dmac)
//   0xFE10_0000 … 0xFE10_FFFF          SCSI HBA registers (models/hba)
//   0xFED0_0000 … 0xFED0_FFFF          IOMMU registers (models/iommu)
//   0xFEE0_0000 … 0xFEE0_FFFF          interrupt controller registers (models/intc)
//   0x1_0000_0000 … + high_size        DRAM, high region
// The window 0xFE00_0000 … 4 GiB is MMIO only: platform.memory.low_size must
// end at or below mmio_window_base (checked with a clear error). Register
// blocks are mapped relative (their offsets start at 0).
#pragma once
#include <cstdint>

namespace ddisim::platform::address_map {

inline constexpr std::uint64_t mmio_window_base = 0xFE00'0000ull;
inline constexpr std::uint64_t block_size = 0x1'0000ull; // 64 KiB per register block
inline constexpr std::uint64_t dmac_regs = 0xFE00'0000ull;
inline constexpr std::uint64_t hba_regs = 0xFE10'0000ull;
inline constexpr std::uint64_t iommu_regs = 0xFED0'0000ull;
inline constexpr std::uint64_t intc_regs = 0xFEE0'0000ull;

// Requester ids the platform assigns (the IOMMU's context table is indexed
// by them). Traffic generators use the ids of their own config; the CPU's
// accesses never go through the IOMMU.
inline constexpr std::uint32_t cpu_requester_id = 0;

// Interrupt controller vectors (lower number = higher priority).
inline constexpr unsigned iommu_fault_vector = 1;
inline constexpr unsigned dmac_vector = 2;
inline constexpr unsigned hba_vector = 3;

} // namespace ddisim::platform::address_map
