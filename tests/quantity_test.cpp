#include "models/quantity.hpp"

#include <gtest/gtest.h>

namespace aisim {
namespace AISIM_UNITY_ID {

double parse(const char* text, Dimension expected) {
  const auto q = parse_quantity(text);
  EXPECT_TRUE(q.has_value()) << text;
  if (!q) return -1;
  EXPECT_EQ(q->dimension, expected) << text;
  return q->value;
}

TEST(Quantity, ParsesDatasheetUnits) {
  EXPECT_DOUBLE_EQ(parse("312 TFLOPS", Dimension::kFlopRate), 312e12);
  EXPECT_DOUBLE_EQ(parse("19.5 TFLOP/s", Dimension::kFlopRate), 19.5e12);
  EXPECT_DOUBLE_EQ(parse("2039 GB/s", Dimension::kBandwidth), 2039e9);
  EXPECT_DOUBLE_EQ(parse("400 W", Dimension::kPower), 400);
  EXPECT_DOUBLE_EQ(parse("5 us", Dimension::kTime), 5e-6);
  EXPECT_DOUBLE_EQ(parse("5us", Dimension::kTime), 5e-6);
  EXPECT_DOUBLE_EQ(parse("0.75 ms", Dimension::kTime), 0.75e-3);
  EXPECT_DOUBLE_EQ(parse("80 GiB", Dimension::kBytes), 80.0 * (1ull << 30));
  EXPECT_DOUBLE_EQ(parse("32 GB", Dimension::kBytes), 32e9);
  EXPECT_DOUBLE_EQ(parse("240 Gb/s", Dimension::kBandwidth), 30e9);  // bits
  EXPECT_DOUBLE_EQ(parse("1.41 GHz", Dimension::kFrequency), 1.41e9);
}

TEST(Quantity, RejectsWhatIsNotAQuantity) {
  for (const char* bad : {"", "W", "5", "five W", "5 parsecs", "5 W extra", "nan W", "inf s",
                          "-inf W", "1e999 B", "5 TB/ss"})
    EXPECT_FALSE(parse_quantity(bad).has_value()) << bad;
}

TEST(Quantity, FormatsWithPrefix) {
  EXPECT_EQ(format_quantity(2.039e12, Dimension::kBandwidth), "2.039 TB/s");
  EXPECT_EQ(format_quantity(5e-6, Dimension::kTime), "5 us");
  EXPECT_EQ(format_quantity(400, Dimension::kPower), "400 W");
}

}  // namespace AISIM_UNITY_ID
}  // namespace aisim
