package dev.osprey.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.osprey.core.OspreyException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PasswordPolicyTest {

    @Test
    void theMinimumLength_comesFromTheEnvironment_andNeverGoesBelowMlflows() {
        assertThat(PasswordPolicy.fromEnvironment(Map.of()).minLength()).isEqualTo(12);
        assertThat(PasswordPolicy.fromEnvironment(Map.of("OSPREY_AUTH_MIN_PASSWORD_LENGTH", " 16 ")).minLength())
                .isEqualTo(16);
        assertThatThrownBy(() -> PasswordPolicy.fromEnvironment(Map.of("OSPREY_AUTH_MIN_PASSWORD_LENGTH", "6")))
                .hasMessageContaining("8 or more");
        assertThatThrownBy(() -> PasswordPolicy.fromEnvironment(Map.of("OSPREY_AUTH_MIN_PASSWORD_LENGTH", "ten")))
                .hasMessageContaining("a number");
    }

    @Test
    void lengthCountsCharacters_andCommonPasswordsAreRefusedInAnyCase() {
        PasswordPolicy eight = new PasswordPolicy(8);
        assertThatCode(() -> eight.check("çà-déjà!")).doesNotThrowAnyException();
        assertThatThrownBy(() -> eight.check("🦅🦅🦅🦅🦅🦅🦅")).as("seven characters, fourteen chars")
                .isInstanceOf(OspreyException.class).hasMessageContaining("at least 8");
        for (String common : new String[] {"password", "Baseball", "12345678", "PASSWORD1234"}) {
            assertThatThrownBy(() -> eight.check(common)).as(common).hasMessageContaining("commonly used");
        }
        assertThatCode(() -> PasswordPolicy.DEFAULT.check("correct horse battery")).doesNotThrowAnyException();
    }
}
