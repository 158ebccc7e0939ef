#include "sim/trace.h"

#include <string>

#include <gtest/gtest.h>

#include "sim/scheduler.h"

namespace zcsim::sim {
namespace {

TraceRecord Sample() {
  TraceRecord r;
  r.time = 1'500'250;
  r.seq = 12;
  r.event = 7;
  r.subsystem = "net";
  r.func = "skb_zcopy_set";
  r.objects.push_back({ObjectId{"skb", 3}, {{"users", 1}, {"dataref", 1}}});
  r.objects.push_back({ObjectId{"ubuf", 1}, {{"refcnt", 2}}});
  r.message = "attach ubuf";
  return r;
}

TEST(TraceRenderTest, TextIsFixedColumn) {
  EXPECT_EQ(RenderText(Sample()),
            " 0.001500250     12 ev7      net   skb_zcopy_set               "
            " skb#3(users=1,dataref=1) ubuf#1(refcnt=2) : attach ubuf");
}

TEST(TraceRenderTest, JsonEscapesAndListsObjects) {
  TraceRecord r = Sample();
  r.message = "quote \" slash \\ nl \n";
  EXPECT_EQ(RenderJson(r),
            R"({"t":1500250,"seq":12,"ev":7,"sys":"net","fn":"skb_zcopy_set","obj":[)"
            R"({"id":"skb#3","users":1,"dataref":1},{"id":"ubuf#1","refcnt":2}],)"
            R"("msg":"quote \" slash \\ nl \n"})");
}

int side_effects = 0;
int CountedArgument() { return ++side_effects; }

TEST(TracerTest, OffCostsOneBranchAndEvaluatesNothing) {
  Tracer tracer;
  side_effects = 0;
  ZC_TRACE(tracer, "net", "f").Msg("{}", CountedArgument());
  EXPECT_FALSE(tracer.enabled());
  EXPECT_EQ(side_effects, 0);
  EXPECT_EQ(tracer.emitted(), 0u);
}

TEST(TracerTest, StampsTimeSeqAndEventFromTheClock) {
  Scheduler s;
  Tracer tracer(&s);
  MemorySink sink;
  tracer.AddSink(&sink);
  s.At(250, "probe", [&] { ZC_TRACE(tracer, "sim", "probe").Obj(ObjectId{"x", 1}).Msg("hi"); });
  s.RunUntilIdle();
  ZC_TRACE(tracer, "sim", "outside");
  ASSERT_EQ(sink.records().size(), 2u);
  EXPECT_EQ(sink.records()[0].time, 250);
  EXPECT_EQ(sink.records()[0].seq, 1u);
  EXPECT_EQ(sink.records()[0].event, 1u);
  EXPECT_EQ(sink.records()[1].seq, 2u);
  EXPECT_EQ(sink.records()[1].event, 0u);
}

TEST(TracerTest, SinksRenderTheSameRecord) {
  Tracer tracer;
  std::string text, json;
  TextSink text_sink(StringWriter(&text));
  JsonSink json_sink(StringWriter(&json));
  tracer.AddSink(&text_sink);
  tracer.AddSink(&json_sink);
  ZC_TRACE(tracer, "sim", "fn").Obj(ObjectId{"obj", 4}, {{"ref", 3}}).Msg("m{}", 1);
  EXPECT_NE(text.find("obj#4(ref=3) : m1\n"), std::string::npos) << text;
  EXPECT_NE(json.find(R"("id":"obj#4","ref":3)"), std::string::npos) << json;
  tracer.RemoveSink(&json_sink);
  ZC_TRACE(tracer, "sim", "fn2");
  EXPECT_EQ(std::count(json.begin(), json.end(), '\n'), 1);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
}

TEST(HashSinkTest, EqualTracesHashEqualAndAnyByteChangesIt) {
  HashSink a, b, c;
  TraceRecord r = Sample();
  a.Write(r);
  b.Write(r);
  r.objects[1].fields[0].value = 3;
  c.Write(r);
  EXPECT_EQ(a.hash(), b.hash());
  EXPECT_NE(a.hash(), c.hash());
  EXPECT_EQ(a.records(), 1u);
}

}  // namespace
}  // namespace zcsim::sim
