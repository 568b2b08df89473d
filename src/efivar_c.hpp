// libefivar/libefiboot headers lack extern "C" guards; include them only through here.
#pragma once

extern "C" {
#include <efivar/efivar.h>
#include <efiboot.h>
}
