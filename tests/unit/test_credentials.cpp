// The credential chain, profile files and region resolution, with temporary files and environment
// variables that each test sets and the fixture restores.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "retort/aws/credentials.hpp"
#include "retort/aws/dsql_token.hpp"
#include "retort/aws/sigv4.hpp"

namespace fs = std::filesystem;
using namespace retort;
using namespace retort::aws;

namespace {

constexpr const char* aws_variables[] = {"AWS_ACCESS_KEY_ID",
                                         "AWS_SECRET_ACCESS_KEY",
                                         "AWS_SESSION_TOKEN",
                                         "AWS_SECURITY_TOKEN",
                                         "AWS_PROFILE",
                                         "AWS_SHARED_CREDENTIALS_FILE",
                                         "AWS_CONFIG_FILE",
                                         "AWS_REGION",
                                         "AWS_DEFAULT_REGION",
                                         "HOME",
                                         "AWS_WEB_IDENTITY_TOKEN_FILE",
                                         "AWS_ROLE_ARN",
                                         "AWS_ROLE_SESSION_NAME",
                                         "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                         "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                         "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                         "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                         "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                                         "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                                         "AWS_EC2_METADATA_DISABLED",
                                         "AWS_ENDPOINT_URL",
                                         "AWS_ENDPOINT_URL_STS",
                                         "AWS_ENDPOINT_URL_SSO"};

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

// Runs each test with no AWS variables set and HOME pointing at an empty temporary directory, so the
// developer's own ~/.aws never takes part, and instance metadata turned off, so no test reaches for
// 169.254.169.254; everything is restored afterwards.
class CredentialsTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* name : aws_variables) {
            const char* v = std::getenv(name);
            saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
            unsetenv(name);
        }
        static int counter = 0;
        home_ = fs::temp_directory_path() /
                ("retort_credentials_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter));
        fs::create_directories(home_ / ".aws");
        setenv("HOME", home_.c_str(), 1);
        setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    }

    void TearDown() override {
        for (const auto& [name, value] : saved_) {
            if (value)
                setenv(name, value->c_str(), 1);
            else
                unsetenv(name);
        }
        std::error_code ec;
        fs::remove_all(home_, ec);
    }

    fs::path write(const fs::path& relative, const std::string& text) {
        auto path = home_ / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return path;
    }

    static std::string error_of(const auto& call) {
        try {
            call();
        } catch (const CredentialsError& e) {
            return e.what();
        } catch (const RegionError& e) {
            return e.what();
        }
        ADD_FAILURE() << "no error raised";
        return {};
    }

    fs::path home_;
    std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

}  // namespace

// ---- the chain ------------------------------------------------------------------------------------------

TEST_F(CredentialsTest, ExplicitCredentialsComeFirst) {
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
    auto c = resolve_credentials(Credentials{"MYKEY", "MYSECRET", std::nullopt, {}});
    EXPECT_EQ(c.access_key_id, "MYKEY");
    EXPECT_EQ(c.secret_access_key, "MYSECRET");
    EXPECT_FALSE(c.session_token);
    EXPECT_EQ(c.source, "explicit credentials");
}

TEST_F(CredentialsTest, Environment) {
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
    setenv("AWS_SESSION_TOKEN", "ENVTOKEN", 1);
    write(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
    auto c = resolve_credentials();
    EXPECT_EQ(c.access_key_id, "ENVKEY");
    EXPECT_EQ(c.secret_access_key, "ENVSECRET");
    EXPECT_EQ(c.session_token, "ENVTOKEN");
    EXPECT_EQ(c.source, "environment");
}

TEST_F(CredentialsTest, EnvironmentEmptyValuesCountAsUnset) {
    setenv("AWS_ACCESS_KEY_ID", "", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "", 1);
    write(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
    EXPECT_EQ(resolve_credentials().access_key_id, "FILEKEY");
}

TEST_F(CredentialsTest, HalfAKeyPairIsAnErrorWithoutTheSecret) {
    setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
    auto message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "AWS_ACCESS_KEY_ID")) << message;
    EXPECT_FALSE(contains(message, "ENVSECRET")) << message;

    unsetenv("AWS_SECRET_ACCESS_KEY");
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "AWS_SECRET_ACCESS_KEY")) << message;

    unsetenv("AWS_ACCESS_KEY_ID");
    write(".aws/credentials", "[default]\naws_secret_access_key = FILESECRET\n");
    message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "no aws_access_key_id")) << message;
    EXPECT_FALSE(contains(message, "FILESECRET")) << message;
}

TEST_F(CredentialsTest, SharedCredentialsFileWithCommentsAndWhitespace) {
    write(".aws/credentials",
          "# my keys\n"
          "; another comment\n"
          "\n"
          "  [default]  \n"
          "  AWS_Access_Key_ID   =   FILEKEY   \n"
          "aws_secret_access_key=FILESECRET\t\n"
          "aws_session_token = FILETOKEN   # expires tonight\n"
          "\n"
          "[dev]\n"
          "aws_access_key_id = DEVKEY\n"
          "aws_secret_access_key = DEVSECRET\n");
    auto c = resolve_credentials();
    EXPECT_EQ(c.access_key_id, "FILEKEY");
    EXPECT_EQ(c.secret_access_key, "FILESECRET");
    EXPECT_EQ(c.session_token, "FILETOKEN");
    EXPECT_TRUE(contains(c.source, "shared credentials file")) << c.source;
    EXPECT_TRUE(contains(c.source, "[default]")) << c.source;
}

TEST_F(CredentialsTest, WindowsLineEndings) {
    write(".aws/credentials", "[default]\r\naws_access_key_id = K\r\naws_secret_access_key = S\r\n");
    auto c = resolve_credentials();
    EXPECT_EQ(c.access_key_id, "K");
    EXPECT_EQ(c.secret_access_key, "S");
}

TEST_F(CredentialsTest, AwsProfileSelectsTheSection) {
    write(".aws/credentials",
          "[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = DEFSECRET\n"
          "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = DEVSECRET\n");
    setenv("AWS_PROFILE", "dev", 1);
    auto c = resolve_credentials();
    EXPECT_EQ(c.access_key_id, "DEVKEY");
    EXPECT_FALSE(c.session_token);
}

TEST_F(CredentialsTest, ConfigFileProfiles) {
    write(".aws/config",
          "[default]\nregion = eu-west-1\naws_access_key_id = CFGDEFKEY\naws_secret_access_key = CFGDEFSECRET\n"
          "[profile   dev]\naws_access_key_id = CFGDEVKEY\naws_secret_access_key = CFGDEVSECRET\n"
          "aws_security_token = OLDTOKEN\n");
    EXPECT_EQ(resolve_credentials().access_key_id, "CFGDEFKEY");
    ProfileOptions dev{.profile = "dev"};
    auto c = resolve_credentials({}, dev);
    EXPECT_EQ(c.access_key_id, "CFGDEVKEY");
    EXPECT_EQ(c.session_token, "OLDTOKEN");
    EXPECT_TRUE(contains(c.source, "config file")) << c.source;
    EXPECT_TRUE(contains(c.source, "[profile dev]")) << c.source;
}

TEST_F(CredentialsTest, ConfigFileAcceptsProfileDefault) {
    write(".aws/config", "[profile default]\naws_access_key_id = K\naws_secret_access_key = S\n");
    EXPECT_EQ(resolve_credentials().access_key_id, "K");
}

TEST_F(CredentialsTest, CredentialsFileBeatsConfigFile) {
    write(".aws/config", "[profile dev]\naws_access_key_id = CFGKEY\naws_secret_access_key = CFGSECRET\n");
    write(".aws/credentials", "[dev]\naws_access_key_id = CREDKEY\naws_secret_access_key = CREDSECRET\n");
    setenv("AWS_PROFILE", "dev", 1);
    EXPECT_EQ(resolve_credentials().access_key_id, "CREDKEY");
}

TEST_F(CredentialsTest, ConfigSectionWithoutProfilePrefixIsNotAProfile) {
    // In the config file, "[dev]" is not profile dev (only the credentials file uses bare names).
    write(".aws/config", "[dev]\naws_access_key_id = K\naws_secret_access_key = S\n");
    setenv("AWS_PROFILE", "dev", 1);
    EXPECT_THROW((void)resolve_credentials(), CredentialsError);
}

TEST_F(CredentialsTest, ExplicitProfileSkipsTheEnvironment) {
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
    write(".aws/credentials", "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = DEVSECRET\n");
    EXPECT_EQ(resolve_credentials({}, ProfileOptions{.profile = "dev"}).access_key_id, "DEVKEY");
    // AWS_PROFILE does not: the environment's keys still win, as in the AWS CLI.
    setenv("AWS_PROFILE", "dev", 1);
    EXPECT_EQ(resolve_credentials().access_key_id, "ENVKEY");
}

TEST_F(CredentialsTest, FileLocationsFromEnvironmentAndOptions) {
    auto creds = write("elsewhere/creds.ini", "[default]\naws_access_key_id = ENVFILEKEY\naws_secret_access_key = S\n");
    auto config = write("elsewhere/config.ini", "[profile x]\naws_access_key_id = CFGKEY\naws_secret_access_key = S\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds.c_str(), 1);
    EXPECT_EQ(resolve_credentials().access_key_id, "ENVFILEKEY");

    setenv("AWS_CONFIG_FILE", config.c_str(), 1);
    setenv("AWS_PROFILE", "x", 1);
    EXPECT_EQ(resolve_credentials().access_key_id, "CFGKEY");

    unsetenv("AWS_PROFILE");
    auto other = write("third.ini", "[default]\naws_access_key_id = OPTKEY\naws_secret_access_key = S\n");
    EXPECT_EQ(resolve_credentials({}, ProfileOptions{.credentials_file = other}).access_key_id, "OPTKEY");

    setenv("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds.ini", 1);
    EXPECT_EQ(ProfileOptions{}.resolved_credentials_file(), home_ / "elsewhere/creds.ini");
}

TEST_F(CredentialsTest, NothingFoundNamesEverySourceAndNoSecret) {
    write(".aws/credentials", "[other]\naws_access_key_id = OTHERKEY\naws_secret_access_key = VERYSECRETVALUE\n");
    write(".aws/config", "[profile other]\naws_session_token = VERYSECRETTOKEN\n");
    setenv("AWS_PROFILE", "dev", 1);
    auto message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "no AWS credentials found")) << message;
    EXPECT_TRUE(contains(message, "environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY")) << message;
    EXPECT_TRUE(contains(message, "shared credentials file " + (home_ / ".aws/credentials").string() + " [dev]"))
        << message;
    EXPECT_TRUE(contains(message, "config file " + (home_ / ".aws/config").string() + " [profile dev]")) << message;
    EXPECT_TRUE(contains(message, "no such section")) << message;
    EXPECT_TRUE(contains(message, "web identity")) << message;
    EXPECT_TRUE(contains(message, "container credentials")) << message;
    EXPECT_TRUE(contains(message, "EC2 instance metadata (IMDSv2): AWS_EC2_METADATA_DISABLED is true")) << message;
    EXPECT_FALSE(contains(message, "VERYSECRET")) << message;
}

TEST_F(CredentialsTest, MissingFilesAreReported) {
    fs::remove_all(home_ / ".aws");
    auto message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "file not found")) << message;
}

TEST_F(CredentialsTest, ProfileMechanismsThatFailSayWhy) {
    write(".aws/config",
          "[profile sso]\nsso_session = corp\nsso_account_id = 123\nsso_role_name = R\n"
          "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n"
          "[profile proc]\ncredential_process = /nonexistent/get-creds --secret abc\n"
          "[profile role]\nrole_arn = arn:aws:iam::123:role/x\nsource_profile = nobody\n");
    auto message = error_of([] { (void)resolve_credentials({}, {.profile = "sso"}); });
    EXPECT_TRUE(contains(message, "aws sso login")) << message;
    message = error_of([] { (void)resolve_credentials({}, {.profile = "proc"}); });
    EXPECT_TRUE(contains(message, "credential_process")) << message;
    EXPECT_TRUE(contains(message, "cannot run /nonexistent/get-creds")) << message;
    EXPECT_FALSE(contains(message, "--secret")) << message;
    message = error_of([] { (void)resolve_credentials({}, {.profile = "role"}); });
    EXPECT_TRUE(contains(message, "role arn:aws:iam::123:role/x")) << message;
    EXPECT_TRUE(contains(message, "source_profile nobody has no credentials")) << message;
}

TEST_F(CredentialsTest, MalformedFileGivesLineNumberNotContent) {
    write(".aws/credentials", "[default]\naws_access_key_id = K\nthis line has SECRETSTUFF but no equals sign\n");
    auto message = error_of([] { (void)resolve_credentials(); });
    EXPECT_TRUE(contains(message, "credentials:3:")) << message;
    EXPECT_FALSE(contains(message, "SECRETSTUFF")) << message;
}

TEST_F(CredentialsTest, CustomChain) {
    struct Fixed : CredentialsProvider {
        [[nodiscard]] std::string describe() const override { return "a test vault"; }
        [[nodiscard]] Result load() const override { return {Credentials{"VAULTKEY", "VAULTSECRET", {}, {}}, {}}; }
    };
    struct Empty : CredentialsProvider {
        [[nodiscard]] std::string describe() const override { return "an empty vault"; }
        [[nodiscard]] Result load() const override { return {std::nullopt, "locked"}; }
    };
    CredentialChain chain;
    chain.add(std::make_unique<Empty>()).add(std::make_unique<Fixed>());
    auto c = chain.resolve();
    EXPECT_EQ(c.access_key_id, "VAULTKEY");
    EXPECT_EQ(c.source, "a test vault");

    CredentialChain only_empty;
    only_empty.add(std::make_unique<Empty>());
    EXPECT_TRUE(contains(error_of([&] { (void)only_empty.resolve(); }), "an empty vault: locked"));
}

TEST_F(CredentialsTest, StandardChainOrder) {
    auto chain = CredentialChain::standard(Credentials{"K", "S", {}, {}});
    ASSERT_EQ(chain.providers().size(), 7u);
    EXPECT_EQ(chain.providers()[0]->describe(), "explicit credentials");
    EXPECT_TRUE(contains(chain.providers()[1]->describe(), "environment"));
    EXPECT_TRUE(contains(chain.providers()[2]->describe(), "web identity"));
    EXPECT_TRUE(contains(chain.providers()[3]->describe(), "shared credentials file"));
    EXPECT_TRUE(contains(chain.providers()[4]->describe(), "config file"));
    EXPECT_TRUE(contains(chain.providers()[5]->describe(), "container credentials"));
    EXPECT_TRUE(contains(chain.providers()[6]->describe(), "EC2 instance metadata"));
    auto named = CredentialChain::standard({}, {.profile = "p"});
    ASSERT_EQ(named.providers().size(), 5u);
    EXPECT_TRUE(contains(named.providers()[0]->describe(), "web identity"));
}

// ---- INI ------------------------------------------------------------------------------------------------

TEST(CredentialsIni, Parse) {
    auto ini = detail::parse_ini(
        "[default]\n"
        "region=us-east-1 ; inline comment\n"
        "s3 =\n"
        "  max_concurrent_requests = 10\n"
        "  addressing_style = path\n"
        "Output = json\n"
        "[default]\n"
        "output = text\n"
        "[profile  spaced ]\n"
        "key=a#b\n",
        "test");
    ASSERT_EQ(ini.size(), 2u);
    EXPECT_EQ(ini["default"]["region"], "us-east-1");
    EXPECT_EQ(ini["default"]["s3"], "\nmax_concurrent_requests = 10\naddressing_style = path");
    EXPECT_EQ(ini["default"]["output"], "text");
    EXPECT_EQ(ini["profile spaced"]["key"], "a#b");
}

TEST(CredentialsIni, Errors) {
    EXPECT_THROW((void)detail::parse_ini("key = value\n", "f"), CredentialsError);
    EXPECT_THROW((void)detail::parse_ini("[default\n", "f"), CredentialsError);
    EXPECT_THROW((void)detail::parse_ini("[]\n", "f"), CredentialsError);
    EXPECT_THROW((void)detail::parse_ini("[a]\n= value\n", "f"), CredentialsError);
    EXPECT_NO_THROW((void)detail::parse_ini("", "f"));
    // The message names the file and the line, never the line's text; a setting's own problems come first.
    auto message = [](std::string_view text) {
        try {
            (void)detail::parse_ini(text, "cfg");
        } catch (const CredentialsError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message("# c\n\n[a]\nk = v\nsecret_word\n"), "cfg:5: expected 'key = value' or '[section]'");
    EXPECT_EQ(message("k = v\n[a\n"), "cfg:1: setting outside any [section]");
    EXPECT_EQ(message("[a]\n = v\n[b\n"), "cfg:2: empty key");
    EXPECT_EQ(message("[a]\nk =\n  x = 1\n[ ]\n"), "cfg:4: empty section name");
    EXPECT_EQ(message("[a] x\n"), "cfg:1: text after section header");
}

// ---- region ---------------------------------------------------------------------------------------------

TEST(CredentialsRegion, FromDsqlEndpoint) {
    EXPECT_EQ(region_from_dsql_endpoint("abcdefghijklmnopqrstuvwxyz.dsql.us-east-1.on.aws"), "us-east-1");
    EXPECT_EQ(region_from_dsql_endpoint("foo0bar1baz2quux3quuux4.dsql.ap-southeast-2.on.aws"), "ap-southeast-2");
    EXPECT_EQ(region_from_dsql_endpoint("ID.DSQL.EU-WEST-1.ON.AWS"), "eu-west-1");
    EXPECT_EQ(region_from_dsql_endpoint("id.dsql.us-west-2.on.aws."), "us-west-2");
    EXPECT_EQ(region_from_dsql_endpoint("id.dsql.us-west-2.on.aws:5432"), "us-west-2");
    EXPECT_FALSE(region_from_dsql_endpoint("localhost"));
    EXPECT_FALSE(region_from_dsql_endpoint(""));
    EXPECT_FALSE(region_from_dsql_endpoint("id.rds.us-east-1.amazonaws.com"));
    // The connectors' pattern: any prefix, any suffix after "dsql".
    EXPECT_EQ(region_from_dsql_endpoint("x.id.dsql.us-east-1.on.aws"), "us-east-1");
    EXPECT_EQ(region_from_dsql_endpoint("abc123.dsql-fnh4.eu-north-1.on.aws"), "eu-north-1");
    EXPECT_FALSE(region_from_dsql_endpoint("id.dsq.us-east-1.on.aws"));
    EXPECT_FALSE(region_from_dsql_endpoint("id.xdsql.us-east-1.on.aws"));
    EXPECT_FALSE(region_from_dsql_endpoint("id.dsql.us-east-1.on.aws.evil.com"));
    EXPECT_FALSE(region_from_dsql_endpoint("dsql.us-east-1.on.aws"));
    EXPECT_FALSE(region_from_dsql_endpoint(".dsql.us-east-1.on.aws"));
    EXPECT_FALSE(region_from_dsql_endpoint("id.dsql..on.aws"));
    EXPECT_FALSE(region_from_dsql_endpoint("id.dsql.us_east.on.aws"));
    EXPECT_FALSE(region_from_dsql_endpoint("id.dsql.us-east-1.on.aws:pg"));
}

TEST(CredentialsRegion, BareClusterIds) {
    EXPECT_TRUE(is_dsql_cluster_id("abcdefghijklmnopqrstuvwxyz"));
    EXPECT_TRUE(is_dsql_cluster_id("foo0bar1"));
    EXPECT_FALSE(is_dsql_cluster_id("localhost"));
    EXPECT_FALSE(is_dsql_cluster_id(""));
    EXPECT_FALSE(is_dsql_cluster_id("id.dsql.us-east-1.on.aws"));
    EXPECT_FALSE(is_dsql_cluster_id("Upper"));
    EXPECT_FALSE(is_dsql_cluster_id("10.0.0.1"));
    EXPECT_EQ(dsql_endpoint_for("abc", "us-east-2"), "abc.dsql.us-east-2.on.aws");
}

TEST_F(CredentialsTest, RegionResolutionOrder) {
    write(".aws/config", "[default]\nregion = cfg-default-1\n[profile dev]\nregion = cfg-dev-1\n");
    const std::string endpoint = "id.dsql.ep-region-1.on.aws";
    EXPECT_EQ(resolve_region(), "cfg-default-1");
    EXPECT_EQ(resolve_region({}, {}, {.profile = "dev"}), "cfg-dev-1");
    setenv("AWS_DEFAULT_REGION", "env-default-1", 1);
    EXPECT_EQ(resolve_region(), "env-default-1");
    setenv("AWS_REGION", "env-region-1", 1);
    EXPECT_EQ(resolve_region(), "env-region-1");
    EXPECT_EQ(resolve_region({}, "localhost"), "env-region-1");
    EXPECT_EQ(resolve_region({}, endpoint), "ep-region-1");
    EXPECT_EQ(resolve_region("explicit-1", endpoint), "explicit-1");
    EXPECT_EQ(resolve_region(std::string(), endpoint), "ep-region-1");
}

TEST_F(CredentialsTest, NoRegionNamesTheSources) {
    auto message = error_of([] { (void)resolve_region({}, "db.example.com"); });
    EXPECT_TRUE(contains(message, "no AWS region found")) << message;
    EXPECT_TRUE(contains(message, "AWS_REGION")) << message;
    EXPECT_TRUE(contains(message, "config file")) << message;
    EXPECT_TRUE(contains(message, "Aurora DSQL endpoint")) << message;
    EXPECT_THROW((void)resolve_region(), RegionError);
}

// ---- DSQL tokens through the chain ----------------------------------------------------------------------

TEST_F(CredentialsTest, DsqlTokenFromTheChain) {
    write(".aws/credentials",
          "[default]\naws_access_key_id = ACCESS_KEY\naws_secret_access_key = SECRET_KEY\n"
          "aws_session_token = SESSION_TOKEN\n");
    DsqlTokenParams params{.hostname = "test.dsql.us-east-1.on.aws",
                           .signing_time = parse_timestamp("2024-11-07T17:39:33Z")};
    auto token = generate_dsql_auth_token(params);
    // botocore's published DbConnect vector (see test_sigv4.cpp).
    EXPECT_TRUE(token.ends_with("&X-Amz-Signature=57fe03e060348aaa21405c239bf02572bbc911076e94dcd65c12ae569dd8fcf4"))
        << mask_dsql_token(token);

    params.hostname = "db.example.com";
    EXPECT_THROW((void)generate_dsql_auth_token(params), RegionError);
    setenv("AWS_REGION", "us-east-1", 1);
    EXPECT_NO_THROW((void)generate_dsql_auth_token(params));

    fs::remove(home_ / ".aws/credentials");
    auto message = error_of([&] { (void)generate_dsql_auth_token(params); });
    EXPECT_TRUE(contains(message, "no AWS credentials found")) << message;
}
