// Anchors the matcher library; the vocabulary types (Result, Secret, Env) are header-only.
#include "matcher/secret.h"
