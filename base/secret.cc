// Anchors the matcher library; the vocabulary types (Result, Secret, Env) are header-only.
#include "base/secret.h"
