// The compiled-in default scenario. This text must stay identical to
// scenarios/default.yaml (test "config: the compiled-in default scenario is
// identical to scenarios/default.yaml"); edit both together.
#include "testbench/config/scenario_loader.h"

namespace ddisim::config {

namespace {
constexpr std::string_view text = R"yaml(# ddisim default scenario: what `ddisim run` simulates when given no file.
# It is compiled into the binary (testbench/config/default_scenario.cpp holds
# the same text; a test keeps the two identical). Every key is documented in
# docs/scenario-reference.md; keys left out keep their defaults.

run:
  seed: 1
  timing: lt            # lt (fast, temporal decoupling) or at (contention studies)
  quantum: 1us
  duration: 0           # 0: until the workload ends
  output: out
  progress: true

platform:
  memory:
    low_size: 3GiB      # DRAM below 4 GiB
    high_size: 5GiB     # DRAM from 4 GiB upwards
    latency: 45ns
    clock: 1.6GHz
    bytes_per_cycle: 8
    channels: 2

  bus:
    clock: 1GHz
    data_width: 32B
    max_burst: 256B
    arbitration: round_robin

  # DMA devices reach the bus through the IOMMU (64-entry IOTLB).
  iommu:
    enable: true
    iotlb_sets: 16
    iotlb_ways: 4
    pwc_entries: 16

  dmac:
    present: true
    channels: 4
    burst_size: 256B
    outstanding: 8

  # Two initiators sharing the bus and the DRAM: a streaming reader and a
  # random read/write mix.
  traffic:
    - pattern: sequential
      base: 0x100000
      range: 1MiB
      size: 4KiB
      read_fraction: 1.0
      outstanding: 4
      count: 1000
      requester_id: 1
    - pattern: random
      base: 0x200000
      range: 16MiB
      size: 64B
      read_fraction: 0.5
      outstanding: 8
      count: 1000
      requester_id: 2

software:
  fidelity: illumos
  debug_checks: false
  dma_api_checker: true
  placement: random     # fragmented buffers: many cookies per bind
  iommu: vtd            # DMA binds map DVMA pages in the IOMMU
  iommu_unmap: strict   # unbind clears the entries and waits for the IOTLB flush

# The software workload: the DMA controller driver copies buffers through
# the DDI (binds, cookies zipped into descriptors, interrupts), every byte
# checked, while the traffic generators above load the bus.
workload:
  kind: memcpy
  memcpy:
    copies: 32
    size: 256KiB
    verify: true
)yaml";
} // namespace

std::string_view default_scenario_text() { return text; }

} // namespace ddisim::config
