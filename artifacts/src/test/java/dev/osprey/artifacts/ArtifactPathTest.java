package dev.osprey.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.ErrorCode;
import dev.osprey.core.OspreyException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArtifactPathTest {
    @Test
    void ordinaryPaths_parseIntoSegments() {
        assertThat(ArtifactPath.parse("1/abc/artifacts/model/MLmodel").segments())
                .containsExactly("1", "abc", "artifacts", "model", "MLmodel");
        assertThat(ArtifactPath.parse("dir/").segments()).containsExactly("dir");
        assertThat(ArtifactPath.parse("").isRoot()).isTrue();
        assertThat(ArtifactPath.parse("a b/ü.txt").name()).isEqualTo("ü.txt");
        assertThat(ArtifactPath.parse("..hidden/x..y").segments()).containsExactly("..hidden", "x..y");
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "a/../../x", "a/./b", "/etc/passwd", "a//b", "a\\..\\b", "C:/x", "c:x",
        "file:///etc/passwd", "s3://bucket/x", "a;b", "a#b", "a?b", "a%2e%2e", "a\u0000b", "a\nb", "./a", "a/..", "\uFFFD\uFFFD/x"})
    void hostilePaths_areInvalidParameterValue(String path) {
        assertThatThrownBy(() -> ArtifactPath.parse(path)).isInstanceOfSatisfying(OspreyException.class,
                e -> assertThat(e.errorCode()).isEqualTo(ErrorCode.INVALID_PARAMETER_VALUE))
                .hasMessageStartingWith("Invalid path");
    }
}
