// placeholder: filled in by issue 5
#include "app.hpp"
