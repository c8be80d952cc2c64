// Retort's ORM in one include (Core included).
#pragma once

#include "retort/orm/instance.hpp"
#include "retort/orm/mapper.hpp"
#include "retort/orm/session.hpp"
#include "retort/orm/query.hpp"
#include "retort/retort.hpp"
