package dev.osprey.server.ui;

import static dev.osprey.server.auth.Access.authenticated;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.osprey.protocol.Json;
import dev.osprey.server.api.Endpoint;
import java.util.List;

/**
 * Ajax routes MLflow's web UI calls that carry no data of Osprey's: UI telemetry, which Osprey never collects, and
 * the deployments proxy, which MLflow answers with no endpoints unless {@code MLFLOW_DEPLOYMENTS_TARGET} names a
 * separate deployments server (Osprey's gateway is built in and has its own routes).
 */
public final class UiAjaxRoutes {
    private UiAjaxRoutes() {}

    public static List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("GET", "/mlflow/ui-telemetry", 3, r -> telemetryOff()).requires(authenticated()),
                new Endpoint("POST", "/mlflow/ui-telemetry", 3, r -> Json.object().put("status", "disabled"))
                        .requires(authenticated()),
                new Endpoint("GET", "/mlflow/gateway-proxy", 2, r -> noDeployments()).requires(authenticated()),
                new Endpoint("POST", "/mlflow/gateway-proxy", 2, r -> noDeployments()).requires(authenticated()));
    }

    /** MLflow's answer when telemetry is disabled: the UI then sends no records. */
    private static ObjectNode telemetryOff() {
        ObjectNode out = Json.object().put("disable_ui_telemetry", true);
        out.putArray("disable_ui_events");
        return out.put("ui_rollout_percentage", 0);
    }

    private static ObjectNode noDeployments() {
        ObjectNode out = Json.object();
        out.putArray("endpoints");
        return out;
    }
}
