// The member accessors of the value types Retort stores, compiled once here (retort/orm/mapper.hpp declares
// them extern): a program's mapping blocks of such members reuse them.
#include "retort/orm/mapper.hpp"

namespace retort::orm::detail {
#define RETORT_DETAIL_DEFINE_MEMBER_OPS(M) template struct MemberOps<M>;
RETORT_DETAIL_BUILTIN_MEMBER_TYPES(RETORT_DETAIL_DEFINE_MEMBER_OPS)
#undef RETORT_DETAIL_DEFINE_MEMBER_OPS
}  // namespace retort::orm::detail
