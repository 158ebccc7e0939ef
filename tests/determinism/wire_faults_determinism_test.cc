// Seeded wire faults are part of the simulation's one random stream: the
// same seed gives the same faults and a byte-identical trace; another seed
// gives other faults.
#include <gtest/gtest.h>

#include "sim/trace.h"
#include "tests/net/faulty_transfer.h"

namespace zcsim::net {
namespace {

struct Traced {
  uint64_t hash;
  uint64_t records;
  FaultyTransferResult result;
};

Traced RunTraced(uint64_t seed) {
  sim::HashSink hash;
  Traced t{0, 0, RunFaultyTransfer(seed, 64 * 1024, 16 * 1024, &hash)};
  t.hash = hash.hash();
  t.records = hash.records();
  return t;
}

TEST(WireFaultsDeterminismTest, SameSeedGivesTheSameFaultsAndAByteIdenticalTrace) {
  for (uint64_t seed : {3u, 17u}) {
    const Traced a = RunTraced(seed);
    const Traced b = RunTraced(seed);
    EXPECT_EQ(a.hash, b.hash) << "seed " << seed;
    EXPECT_EQ(a.records, b.records);
    EXPECT_GT(a.records, 1000u);
    EXPECT_EQ(a.result.faults_a.dropped, b.result.faults_a.dropped);
    EXPECT_EQ(a.result.faults_a.duplicated, b.result.faults_a.duplicated);
    EXPECT_EQ(a.result.faults_b.reordered, b.result.faults_b.reordered);
    EXPECT_EQ(a.result.end, b.result.end);
  }
}

TEST(WireFaultsDeterminismTest, AnotherSeedGivesAnotherTrace) {
  EXPECT_NE(RunTraced(3).hash, RunTraced(4).hash);
}

}  // namespace
}  // namespace zcsim::net
