#include <gtest/gtest.h>

#include "detail/text.hpp"
#include "retort/engine/url.hpp"
#include "retort/error.hpp"

using namespace retort;

namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

// Parses text expecting a UrlError and returns its message.
std::string parse_error(std::string_view text) {
    try {
        (void)URL::parse(text);
    } catch (const UrlError& e) {
        return e.what();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "wrong exception type: " << e.what();
        return {};
    }
    ADD_FAILURE() << "no exception for a malformed URL";
    return {};
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

// SQLite forms ------------------------------------------------------------------------------------------------

TEST(UrlParseTest, SqliteMemory) {
    auto u = URL::parse("sqlite://");
    EXPECT_EQ(u.drivername(), "sqlite");
    EXPECT_EQ(u.backend_name(), "sqlite");
    EXPECT_EQ(u.driver(), "");
    EXPECT_FALSE(u.username());
    EXPECT_FALSE(u.password());
    EXPECT_FALSE(u.host());
    EXPECT_FALSE(u.port());
    EXPECT_FALSE(u.database());
    EXPECT_TRUE(u.query().empty());
    EXPECT_EQ(u.render(), "sqlite://");
    EXPECT_FALSE(URL::parse("sqlite:///").database());
    EXPECT_EQ(URL::parse("sqlite:///:memory:").database(), ":memory:");
}

TEST(UrlParseTest, SqliteFilePaths) {
    EXPECT_EQ(URL::parse("sqlite:///relative.db").database(), "relative.db");
    EXPECT_EQ(URL::parse("sqlite:///sub/dir/relative.db").database(), "sub/dir/relative.db");
    auto abs = URL::parse("sqlite:////abs/path.db");
    EXPECT_EQ(abs.database(), "/abs/path.db");
    EXPECT_FALSE(abs.host());
    EXPECT_EQ(abs.render(), "sqlite:////abs/path.db");
    EXPECT_EQ(URL::parse("sqlite:///C:/data/x.db").database(), "C:/data/x.db");
    // '@' and ':' after the first '/' belong to the path, never to credentials.
    auto at = URL::parse("sqlite:////tmp/user@host:1/a.db");
    EXPECT_EQ(at.database(), "/tmp/user@host:1/a.db");
    EXPECT_FALSE(at.username());
    EXPECT_FALSE(at.port());
    auto q = URL::parse("sqlite:///file.db?mode=ro&cache=shared");
    EXPECT_EQ(q.database(), "file.db");
    EXPECT_EQ(q.query(), (Query{{"mode", "ro"}, {"cache", "shared"}}));
    EXPECT_EQ(URL::parse("sqlite:///my%20file%3F.db").database(), "my file?.db");
}

// Server forms ------------------------------------------------------------------------------------------------

TEST(UrlParseTest, FullPostgresqlUrl) {
    auto u = URL::parse("postgresql://scott:tiger@db.example.com:5433/shop?sslmode=require&application_name=app");
    EXPECT_EQ(u.drivername(), "postgresql");
    EXPECT_EQ(u.username(), "scott");
    EXPECT_EQ(u.password(), "tiger");
    EXPECT_EQ(u.host(), "db.example.com");
    EXPECT_EQ(u.port(), 5433);
    EXPECT_EQ(u.database(), "shop");
    EXPECT_EQ(u.query(), (Query{{"sslmode", "require"}, {"application_name", "app"}}));
    EXPECT_EQ(u.render(), "postgresql://scott:***@db.example.com:5433/shop?sslmode=require&application_name=app");
    EXPECT_EQ(u.str(), u.render(true));
    EXPECT_EQ(u.render(false),
              "postgresql://scott:tiger@db.example.com:5433/shop?sslmode=require&application_name=app");
}

TEST(UrlParseTest, DriverSuffix) {
    auto u = URL::parse("postgresql+libpq://u@h/db");
    EXPECT_EQ(u.drivername(), "postgresql+libpq");
    EXPECT_EQ(u.backend_name(), "postgresql");
    EXPECT_EQ(u.driver(), "libpq");
    EXPECT_EQ(u.render(), "postgresql+libpq://u@h/db");
    EXPECT_EQ(URL::parse("my_dialect2+drv_3://").driver(), "drv_3");
}

TEST(UrlParseTest, PartialForms) {
    auto host_only = URL::parse("postgresql://localhost");
    EXPECT_EQ(host_only.host(), "localhost");
    EXPECT_FALSE(host_only.database());
    EXPECT_FALSE(host_only.username());

    auto no_db = URL::parse("postgresql://localhost?connect_timeout=5");
    EXPECT_FALSE(no_db.database());
    EXPECT_EQ(no_db.query_value("connect_timeout"), "5");

    auto user_only = URL::parse("postgresql://alice@localhost/db");
    EXPECT_EQ(user_only.username(), "alice");
    EXPECT_FALSE(user_only.password());
    EXPECT_EQ(user_only.render(), "postgresql://alice@localhost/db");

    auto empty_password = URL::parse("postgresql://alice:@localhost/db");
    EXPECT_EQ(empty_password.password(), "");
    EXPECT_EQ(empty_password.render(), "postgresql://alice:***@localhost/db");

    auto empty_user = URL::parse("postgresql://:pw@localhost/db");
    EXPECT_EQ(empty_user.username(), "");
    EXPECT_EQ(empty_user.password(), "pw");

    auto empty_port = URL::parse("postgresql://localhost:/db");
    EXPECT_FALSE(empty_port.port());
    EXPECT_EQ(empty_port.host(), "localhost");
}

TEST(UrlParseTest, NoHostWithSocketInQuery) {
    auto u = URL::parse("postgresql://user@/db?host=/tmp/sock");
    EXPECT_EQ(u.username(), "user");
    EXPECT_FALSE(u.host());
    EXPECT_FALSE(u.port());
    EXPECT_EQ(u.database(), "db");
    EXPECT_EQ(u.query_value("host"), "/tmp/sock");
    EXPECT_EQ(u.render(), "postgresql://user@/db?host=/tmp/sock");
    EXPECT_EQ(URL::parse(u.render(false)), u);

    auto encoded_socket = URL::parse("postgresql://user@%2Fvar%2Frun%2Fpostgresql/db");
    EXPECT_EQ(encoded_socket.host(), "/var/run/postgresql");
    EXPECT_EQ(encoded_socket.render(), "postgresql://user@%2Fvar%2Frun%2Fpostgresql/db");
}

TEST(UrlParseTest, Ipv6Hosts) {
    auto u = URL::parse("postgresql://user:pw@[::1]:5432/db");
    EXPECT_EQ(u.host(), "::1");
    EXPECT_EQ(u.port(), 5432);
    EXPECT_EQ(u.render(), "postgresql://user:***@[::1]:5432/db");
    auto no_port = URL::parse("postgresql://[2001:db8::17]/db");
    EXPECT_EQ(no_port.host(), "2001:db8::17");
    EXPECT_FALSE(no_port.port());
    EXPECT_EQ(no_port.render(), "postgresql://[2001:db8::17]/db");
    EXPECT_EQ(URL::parse(no_port.render(false)), no_port);
    // A host that cannot sit inside brackets is percent-encoded instead, and still parses back.
    auto odd = URL::create("postgresql", {}, {}, "a:]b/c");
    EXPECT_EQ(odd.render(), "postgresql://a%3A%5Db%2Fc");
    EXPECT_EQ(URL::parse(odd.render()), odd);
}

TEST(UrlParseTest, PercentEncodedParts) {
    auto u = URL::parse("postgresql://us%40er%3Aname:p%40ss%3Aw%2Frd%3F%25@host/my%2Fdb%3F?opt%3D=a%26b%3Dc&x=1+2%2B3");
    EXPECT_EQ(u.username(), "us@er:name");
    EXPECT_EQ(u.password(), "p@ss:w/rd?%");
    EXPECT_EQ(u.host(), "host");
    EXPECT_EQ(u.database(), "my/db?");
    EXPECT_EQ(u.query(), (Query{{"opt=", "a&b=c"}, {"x", "1 2+3"}}));
    EXPECT_EQ(URL::parse(u.render(false)), u);
    EXPECT_EQ(u.render(), "postgresql://us%40er%3Aname:***@host/my/db%3F?opt%3D=a%26b%3Dc&x=1%202%2B3");
}

TEST(UrlParseTest, RawAtSignInPassword) {
    // As SQLAlchemy: the last '@' before the host ends the credentials.
    auto u = URL::parse("postgresql://user:p@ss@w0rd@db.example.com:5432/db");
    EXPECT_EQ(u.username(), "user");
    EXPECT_EQ(u.password(), "p@ss@w0rd");
    EXPECT_EQ(u.host(), "db.example.com");
    EXPECT_EQ(u.port(), 5432);
    EXPECT_EQ(u.database(), "db");
    EXPECT_EQ(u.render(), "postgresql://user:***@db.example.com:5432/db");
    EXPECT_EQ(u.render(false), "postgresql://user:p%40ss%40w0rd@db.example.com:5432/db");
    // A raw ':' in a password is fine too: only the first ':' splits user from password.
    EXPECT_EQ(URL::parse("postgresql://user:a:b:c@h/db").password(), "a:b:c");
}

TEST(UrlParseTest, QueryDetails) {
    auto u = URL::parse("postgresql://h/db?a=1&&b=&c&a=2&options=-c%20search_path%3Dapp&");
    EXPECT_EQ(u.query(), (Query{{"a", "1"}, {"b", ""}, {"c", ""}, {"a", "2"}, {"options", "-c search_path=app"}}));
    EXPECT_EQ(u.query_value("a"), "2");
    EXPECT_EQ(u.query_value("b"), "");
    EXPECT_FALSE(u.query_value("missing"));
    EXPECT_EQ(URL::parse("postgresql://h/db?k=v=w").query_value("k"), "v=w");
}

TEST(UrlParseTest, NulBytesSurviveEncoding) {
    auto u = URL::parse("postgresql://us%00er:pa%00ss@host/d%00b?k%00=v%00");
    EXPECT_EQ(u.username(), std::string("us\0er", 5));
    EXPECT_EQ(u.password(), std::string("pa\0ss", 5));
    EXPECT_EQ(u.database(), std::string("d\0b", 3));
    EXPECT_EQ(u.query(), (Query{{std::string("k\0", 2), std::string("v\0", 2)}}));
    EXPECT_EQ(u.render(false), "postgresql://us%00er:pa%00ss@host/d%00b?k%00=v%00");
    EXPECT_EQ(URL::parse(u.render(false)), u);
}

TEST(UrlParseTest, LongParts) {
    std::string password(10000, 'p');
    std::string database(5000, 'd');
    auto u = URL::parse("postgresql://user:" + password + "@host/" + database);
    EXPECT_EQ(u.password(), password);
    EXPECT_EQ(u.database(), database);
    auto shown = u.render();
    EXPECT_FALSE(contains(shown, "pp"));
    EXPECT_EQ(shown, "postgresql://user:***@host/" + database);
}

TEST(UrlParseTest, UnicodeIsEncodedOnRender) {
    auto u = URL::parse("postgresql://j%C3%B6rg:%E2%82%AC@host/d%C3%A9j%C3%A0");
    EXPECT_EQ(u.username(), "j\xC3\xB6rg");
    EXPECT_EQ(u.password(), "\xE2\x82\xAC");
    EXPECT_EQ(u.database(), "d\xC3\xA9j\xC3\xA0");
    EXPECT_EQ(u.render(false), "postgresql://j%C3%B6rg:%E2%82%AC@host/d%C3%A9j%C3%A0");
}

// Rendering and masking ---------------------------------------------------------------------------------------

TEST(UrlRenderTest, PasswordIsMasked) {
    auto u = URL::parse("postgresql://admin:TopSecret123@h:5432/db");
    EXPECT_FALSE(contains(u.render(), "TopSecret123"));
    EXPECT_FALSE(contains(u.str(), "TopSecret123"));
    EXPECT_TRUE(contains(u.render(false), "TopSecret123"));
    // No "***" without a password.
    EXPECT_EQ(URL::parse("postgresql://admin@h/db").render(), "postgresql://admin@h/db");
}

TEST(UrlRenderTest, SecretQueryValuesAreMasked) {
    auto u = URL::parse("postgresql://h/db?password=qwerty&sslpassword=asdf&auth_token=zxcv&sslmode=verify-full");
    auto shown = u.render();
    EXPECT_EQ(shown, "postgresql://h/db?password=***&sslpassword=***&auth_token=***&sslmode=verify-full");
    EXPECT_EQ(u.render(false), "postgresql://h/db?password=qwerty&sslpassword=asdf&auth_token=zxcv&sslmode=verify-full");
}

TEST(UrlRenderTest, RoundTripsThroughUnmaskedText) {
    for (std::string_view text :
         {"sqlite://", "sqlite:///:memory:", "sqlite:////var/lib/app.db", "postgresql://u:p@h:1/d?a=b&a=c",
          "postgresql+libpq://%2F:%40@[::1]:65535/x%20y", "auroradsql://admin@abc.dsql.us-east-1.on.aws/postgres?region=us-east-1",
          "postgresql://user:p@ss@host/db", "postgresql://@h", "postgresql://h/db?k="}) {
        auto u = URL::parse(text);
        EXPECT_EQ(URL::parse(u.render(false)), u) << text;
        EXPECT_EQ(URL::parse(u.render(false)).render(false), u.render(false)) << text;
    }
}

// Malformed URLs ----------------------------------------------------------------------------------------------

TEST(UrlErrorTest, MalformedUrlsNeverShowThePassword) {
    const std::string pw = "Sup3rS3cretPW";
    for (const std::string& text : {
             "postgresql:/user:" + pw + "@host/db",          // no "://"
             "user:" + pw + "@host/db",                      // no scheme at all
             "://user:" + pw + "@host/db",                   // empty drivername
             "post gres://user:" + pw + "@host/db",          // bad character in drivername
             "postgres-ql://user:" + pw + "@host/db",        // '-' is not allowed either
             "postgresql://user:" + pw + "@host:abc/db",     // non-numeric port
             "postgresql://user:" + pw + "@host:5432x/db",   // trailing junk in port
             "postgresql://user:" + pw + "@host:70000/db",   // out of range
             "postgresql://user:" + pw + "@host:0/db",       // out of range
             "postgresql://user:" + pw + "@host:-1/db",      // negative
             "postgresql://user:" + pw + "@host:99999999999999999999/db",  // overflows int
             "postgresql://user:" + pw + "@[::1/db",         // unclosed IPv6 bracket
             "postgresql://user:" + pw + "@[::1]x:5432/db",  // junk after IPv6 host
         }) {
        auto msg = parse_error(text);
        EXPECT_FALSE(msg.empty()) << text;
        EXPECT_FALSE(contains(msg, pw)) << msg;
        EXPECT_FALSE(contains(msg, "Sup3r")) << msg;
    }
}

TEST(UrlErrorTest, RawSlashInPasswordIsAnErrorThatHidesIt) {
    // Unencoded '/' ends the host part, so "Xq" lands where the port goes; the message must not echo it.
    auto msg = parse_error("postgresql://user:Xq/9Zsecret@host/db");
    EXPECT_TRUE(contains(msg, "port")) << msg;
    EXPECT_FALSE(contains(msg, "Xq")) << msg;
    EXPECT_FALSE(contains(msg, "9Zsecret")) << msg;
}

TEST(UrlErrorTest, MessagesSayWhatIsWrong) {
    EXPECT_TRUE(contains(parse_error("nothing-here"), "://"));
    EXPECT_TRUE(contains(parse_error("://h/db"), "empty"));
    EXPECT_TRUE(contains(parse_error("my dialect://h/db"), "dialect name"));
    EXPECT_TRUE(contains(parse_error("postgresql://h:port/db"), "port"));
    EXPECT_TRUE(contains(parse_error("postgresql://[::1/db"), "IPv6"));
    // UrlError is an ArgumentError, so callers can catch either.
    EXPECT_THROW((void)URL::parse("bad"), ArgumentError);
}

TEST(UrlErrorTest, PortBoundaries) {
    EXPECT_EQ(URL::parse("postgresql://h:1/db").port(), 1);
    EXPECT_EQ(URL::parse("postgresql://h:65535/db").port(), 65535);
    EXPECT_THROW((void)URL::parse("postgresql://h:65536/db"), UrlError);
    EXPECT_THROW((void)URL::parse("postgresql://h:+5432/db"), UrlError);
    EXPECT_THROW((void)URL::parse("postgresql://h: 5432/db"), UrlError);
}

// Building and modifying --------------------------------------------------------------------------------------

TEST(UrlCreateTest, BuildsFromParts) {
    auto u = URL::create("postgresql+libpq", "bob", "p@ss/w:rd", "db.local", 6543, "inventory",
                         {{"sslmode", "disable"}, {"application_name", "my app"}});
    EXPECT_EQ(u.backend_name(), "postgresql");
    EXPECT_EQ(u.render(), "postgresql+libpq://bob:***@db.local:6543/inventory?sslmode=disable&application_name=my%20app");
    EXPECT_EQ(u.render(false),
              "postgresql+libpq://bob:p%40ss%2Fw%3Ard@db.local:6543/inventory?sslmode=disable&application_name=my%20app");
    EXPECT_EQ(URL::parse(u.render(false)), u);
    EXPECT_EQ(URL::create("sqlite"), URL::parse("sqlite://"));
    EXPECT_EQ(URL::create("sqlite", {}, {}, {}, {}, "/abs/path.db"), URL::parse("sqlite:////abs/path.db"));
}

TEST(UrlCreateTest, ValidatesDrivernameAndPort) {
    EXPECT_THROW((void)URL::create(""), UrlError);
    EXPECT_THROW((void)URL::create("pg sql"), UrlError);
    EXPECT_THROW((void)URL::create("postgresql", "u", "secretpw", "h", 0), UrlError);
    try {
        (void)URL::create("postgresql", "u", "secretpw", "h", 123456);
        ADD_FAILURE() << "no exception";
    } catch (const UrlError& e) {
        EXPECT_FALSE(contains(e.what(), "secretpw"));
    }
}

TEST(UrlModifyTest, SettersReturnCopies) {
    const auto base = URL::parse("postgresql://u:old@h/db1?a=1&b=2&a=3");

    auto pw = base.set_password("new");
    EXPECT_EQ(pw.password(), "new");
    EXPECT_EQ(base.password(), "old");
    EXPECT_FALSE(base.set_password(std::nullopt).password());
    EXPECT_EQ(base.set_password(std::nullopt).render(), "postgresql://u@h/db1?a=1&b=2&a=3");

    auto db = base.set_database("db2");
    EXPECT_EQ(db.database(), "db2");
    EXPECT_EQ(base.database(), "db1");
    EXPECT_FALSE(base.set_database(std::nullopt).database());
    EXPECT_EQ(base.set_database("a?b").render(false), "postgresql://u:old@h/a%3Fb?a=1&b=2&a=3");

    auto q = base.set_query_value("a", "9");
    EXPECT_EQ(q.query(), (Query{{"a", "9"}, {"b", "2"}}));
    EXPECT_EQ(q.query_value("a"), "9");
    EXPECT_EQ(base.query_value("a"), "3");
    EXPECT_EQ(base.set_query_value("c", "x&y").query(), (Query{{"a", "1"}, {"b", "2"}, {"a", "3"}, {"c", "x&y"}}));
    EXPECT_EQ(base.set_query_value("c", "x&y").render(), "postgresql://u:***@h/db1?a=1&b=2&a=3&c=x%26y");

    auto without = base.without_query_value("a");
    EXPECT_EQ(without.query(), (Query{{"b", "2"}}));
    EXPECT_EQ(base.without_query_value("zzz"), base);
    EXPECT_EQ(base.without_query_value("a").without_query_value("b").render(), "postgresql://u:***@h/db1");
}

TEST(UrlModifyTest, Equality) {
    EXPECT_EQ(URL::parse("postgresql://u:p@h:1/d?x=1"), URL::parse("postgresql://u:p@h:1/d?x=1"));
    EXPECT_NE(URL::parse("postgresql://u:p@h:1/d?x=1"), URL::parse("postgresql://u:q@h:1/d?x=1"));
    EXPECT_NE(URL::parse("postgresql://u:p@h:1/d?x=1"), URL::parse("postgresql://u:p@h:1/d?x=1&x=1"));
}

// Percent coding ----------------------------------------------------------------------------------------------

TEST(PercentCodingTest, Decode) {
    EXPECT_EQ(detail::percent_decode("%41%42c"), "ABc");
    EXPECT_EQ(detail::percent_decode("%e2%82%ac"), "\xE2\x82\xAC");
    EXPECT_EQ(detail::percent_decode("a%00b"), std::string("a\0b", 3));
    EXPECT_EQ(detail::percent_decode("100%"), "100%");
    EXPECT_EQ(detail::percent_decode("%4"), "%4");
    EXPECT_EQ(detail::percent_decode("%zz%4g"), "%zz%4g");
    EXPECT_EQ(detail::percent_decode("%%41"), "%A");
    EXPECT_EQ(detail::percent_decode("a+b"), "a+b");
    EXPECT_EQ(detail::percent_decode(""), "");
}

TEST(PercentCodingTest, Encode) {
    EXPECT_EQ(detail::percent_encode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(detail::percent_encode("a b@c:d/e?f%"), "a%20b%40c%3Ad%2Fe%3Ff%25");
    EXPECT_EQ(detail::percent_encode("a/b:c", "/:"), "a/b:c");
    EXPECT_EQ(detail::percent_encode(std::string("\0\xff", 2)), "%00%FF");
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    EXPECT_EQ(detail::percent_decode(detail::percent_encode(all)), all);
    EXPECT_EQ(detail::percent_decode(detail::percent_encode(all, "/:@!$&'()*+,;=")), all);
}
