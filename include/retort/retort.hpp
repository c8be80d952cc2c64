// Retort: the whole public API in one include.
#pragma once

#include "retort/dialects/dialect.hpp"
#include "retort/engine/engine.hpp"
#include "retort/engine/url.hpp"
#include "retort/error.hpp"
#include "retort/schema/reflection.hpp"
#include "retort/schema/schema.hpp"
#include "retort/sql/expression.hpp"
#include "retort/types/types.hpp"
#include "retort/types/value.hpp"
