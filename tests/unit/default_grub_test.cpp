#include <gtest/gtest.h>

TEST(Placeholder_default_grub, ToBeWritten) {}
