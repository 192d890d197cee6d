"""Issue 12, the power of a system by its class: a deskside workstation on an office circuit, and
accelerators capped below their TDP (cluster.power_limit).

Expected values are worked from the inputs and the catalog's stated constants, not read back from
the model.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scendsl
from scendsl.catalog import load_catalog
from scendsl.model.evaluate import evaluate
from scendsl.report.explain import explain_text

BASE = """
scenario station {
  title "Four A100 at a desk"
  year 2021
  region US
  cluster {
    accelerator A100_80GB
    count 4
    server workstation
  }
  workload {
    parameters 1B
    accelerator_hours 1000 hours
  }
}

scenario dgx extends station {
  cluster.server dgx
}
"""

CALIBRATION = load_catalog().calibration
CIRCUIT = CALIBRATION["workstation_circuit_power"].value
PER_BOX = CALIBRATION["workstation_accelerators"].value
BLADE = CALIBRATION["node_overhead_blade"].value
SHARE = CALIBRATION["node_overhead"].value
HOST = CALIBRATION["host_power"].value


def result(extra: str = "", name: str = "station"):
    return evaluate(scendsl.load(BASE + extra).get(name))


def test_a_workstation_stays_within_its_office_circuit_with_its_gpus_capped():
    station = result()
    # Four A100 (400 W) with the blade's host share would draw 4 × 400 × (1 + blade) > 1,440 W:
    # the system is held to the circuit and each GPU to its share of it after its host's.
    assert 4 * 400 * (1 + BLADE) > CIRCUIT
    assert station.value("accelerator.system_power") * 4 == pytest.approx(CIRCUIT)
    assert station.value("accelerator.power_limit") == pytest.approx(CIRCUIT / 4 / (1 + BLADE))
    assert station.value("cluster.server") == "workstation"
    # The same four GPUs in a server keep their TDP and the catalog's DGX A100 figure.
    server = result(name="dgx")
    assert server.value("accelerator.power_limit") == 400
    assert server.value("accelerator.system_power") * 4 > 2 * CIRCUIT


def test_a_workstation_below_its_circuit_takes_the_blade_host_share_uncapped():
    text = """
scenario small extends station {
  cluster.accelerator V100
  cluster.power_limit 200 W
}
"""
    small = result(text, "small")
    # 4 × 200 W × (1 + blade) is below the circuit: nothing is capped beyond the written limit.
    assert 4 * 200 * (1 + BLADE) < CIRCUIT
    assert small.value("accelerator.power_limit") == 200
    assert small.value("accelerator.system_power") == pytest.approx(200 * (1 + BLADE))


def test_fewer_accelerators_share_the_circuit_among_themselves():
    one = result("scenario one extends station {\n  cluster.count 1\n}\n", "one")
    # One A100 alone fits the circuit (400 × (1 + blade) < 1,440 W): at its TDP.
    assert one.value("accelerator.power_limit") == 400
    eight = result("scenario eight extends station {\n  cluster.count 8\n}\n", "eight")
    # Eight are two workstations of four: each accelerator keeps a quarter of a circuit.
    assert eight.value("accelerator.system_power") == pytest.approx(CIRCUIT / PER_BOX)


def test_a_power_limit_lowers_the_server_power_by_what_the_gpu_saves():
    text = """
scenario capped extends dgx {
  cluster.power_limit 300 W
}
scenario above_tdp extends dgx {
  cluster.power_limit 500 W
}
"""
    rated = result(name="dgx").value("accelerator.system_power")
    capped = result(text, "capped")
    # The host, switches and fans are the same server's: only the GPU's 100 W go.
    assert capped.value("accelerator.system_power") == pytest.approx(rated - 100)
    assert capped.value("accelerator.power_limit") == 300
    # A limit above the TDP changes nothing: the chip never draws more than its TDP.
    above = result(text, "above_tdp")
    assert above.value("accelerator.system_power") == pytest.approx(rated)
    assert above.value("accelerator.power_limit") == 400


def test_accelerator_energy_prices_the_hours_at_the_cap():
    text = """
scenario capped extends dgx {
  cluster.power_limit 280 W
}
"""
    capped = result(text, "capped")
    # 280 W is below what an A100 draws uncapped while training (70.3 % of 400 W): the cap holds.
    assert capped.value("energy.accelerator_energy") == pytest.approx(1000 * 3600 * 280)
    uncapped = result(name="dgx")
    draw = CALIBRATION["accelerator_training_draw_a100_80gb"].value
    assert uncapped.value("energy.accelerator_energy") == pytest.approx(1000 * 3600 * 400 * draw)


def test_a_reference_keeps_its_catalog_system_whatever_the_scenario_server():
    text = """
scenario capped_station extends station {
  cluster.power_limit 250 W
}
"""
    metric = "reference.princeton_pli.system_power"  # 300 H100 in DGX/HGX servers
    ours = result(text, "capped_station").value(metric)
    theirs = result(name="dgx").value(metric)
    assert ours == pytest.approx(theirs)
    assert ours == pytest.approx(load_catalog().accelerators["H100"].figures["system_power"].value)


def test_the_workstation_cap_is_explained():
    text = explain_text(result(), "accelerator.system_power")
    assert "workstation" in text and "workstation_circuit_power" in text


_LIMITS = st.floats(min_value=50.0, max_value=1000.0)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(low=_LIMITS, high=_LIMITS, server=st.sampled_from(["dgx", "blade", "workstation"]))
def test_more_power_allowed_never_gives_less_system_power(low, high, server):
    low, high = sorted((low, high))
    text = f"""
scenario low extends station {{
  cluster.server {server}
  cluster.power_limit {low:.3f} W
}}
scenario high extends station {{
  cluster.server {server}
  cluster.power_limit {high:.3f} W
}}
"""
    scenarios = scendsl.load(BASE + text)
    powers = [
        evaluate(scenarios.get(name)).value("accelerator.system_power") for name in ("low", "high")
    ]
    assert powers[0] <= powers[1] + 1e-9


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tdp=st.floats(min_value=50.0, max_value=1500.0))
def test_a_hotter_gpu_never_gives_a_server_less_power(tdp):
    text = f"""
accelerator hot extends A100_80GB {{
  tdp {tdp:.3f} W
}}
scenario hot_server extends dgx {{
  cluster.accelerator hot
}}
scenario hot_station extends station {{
  cluster.accelerator hot
}}
"""
    scenarios = scendsl.load(BASE + text)
    for name, base in (("hot_server", "dgx"), ("hot_station", "station")):
        hot = evaluate(scenarios.get(name)).value("accelerator.system_power")
        rated = evaluate(scenarios.get(base)).value("accelerator.system_power")
        assert (hot >= rated - 1e-9) if tdp >= 400 else (hot <= rated + 1e-9)
    # A workstation never draws more than its circuit, however hot its GPUs.
    station = evaluate(scenarios.get("hot_station"))
    assert station.value("accelerator.system_power") * 4 <= CIRCUIT * (1 + 1e-12)


def test_the_gpu_server_fallback_is_unchanged_without_a_limit():
    text = "scenario mi extends dgx {\n  cluster.accelerator MI250X\n}\n"
    # MI250X has no system figure: the GPU-server share on its 560 W and the default host, the
    # calibration servers' two CPUs shared by the four MI250X its scale-up board (a node of
    # four, accelerators.toml) holds rather than by eight.
    power = result(text, "mi").value("accelerator.system_power")
    board = CALIBRATION["gpu_server_accelerators"].value
    assert power == pytest.approx((560 + HOST * board / 4) * (1 + SHARE))


def test_a_server_with_smaller_hosts_draws_less_and_explains_them():
    text = """
scenario small_hosts extends dgx {
  cluster.accelerator V100
  cluster.host_power 33.75 W
}
scenario default_hosts extends dgx {
  cluster.accelerator V100
}
"""
    small = result(text, "small_hosts")
    # A DGX-1's two 135 W Xeons per eight V100, against the calibration systems' two 350 W.
    assert small.value("accelerator.system_power") == pytest.approx((300 + 33.75) * (1 + SHARE))
    assert small.value("cluster.host_power") == pytest.approx(33.75)
    default = result(text, "default_hosts")
    assert default.value("cluster.host_power") == pytest.approx(HOST)
    assert default.value("accelerator.system_power") > small.value("accelerator.system_power")
    text = explain_text(small, "accelerator.system_power")
    assert "host_power" in text and "node_overhead" in text


def test_written_hosts_set_the_catalog_figure_aside_and_a_blade_ignores_them():
    text = """
scenario h100_hosts extends dgx {
  cluster.accelerator H100
  cluster.host_power 67.5 W
}
scenario h100_dgx extends dgx {
  cluster.accelerator H100
}
accelerator h100_measured extends H100 {
  system_power 1100 W
}
scenario h100_own_figure extends h100_hosts {
  cluster.accelerator h100_measured
}
scenario blade_hosts extends dgx {
  cluster.server blade
  cluster.host_power 10 W
}
"""
    h100 = load_catalog().accelerators["H100"].figures["system_power"].value
    # Without its hosts written the server is the catalog's DGX H100 (10.2 kW for eight).
    assert result(text, "h100_dgx").value("accelerator.system_power") == pytest.approx(h100)
    # Another vendor's server with two 270 W Xeons per eight GPUs is priced from its parts.
    hosts = result(text, "h100_hosts")
    assert hosts.value("accelerator.system_power") == pytest.approx((700 + 67.5) * (1 + SHARE))
    assert hosts.value("accelerator.system_power") != pytest.approx(h100)
    explained = explain_text(hosts, "accelerator.system_power")
    assert "host CPUs written" in explained and "accelerators.H100.system_power" in explained
    # A system power the scenario writes for its own accelerator wins over the written hosts.
    own = result(text, "h100_own_figure").value("accelerator.system_power")
    assert own == pytest.approx(1100)
    # A blade's share holds its one host.
    blade = result(text, "blade_hosts").value("accelerator.system_power")
    assert blade == pytest.approx(400 * (1 + BLADE))


SUPERCHIPS = """
scenario gh200_hosts extends dgx {
  cluster.accelerator GH200
  cluster.host_power 100 W
}
scenario gb200_hosts extends dgx {
  cluster.accelerator GB200
  cluster.host_power 150 W
}
scenario gh200_plain extends dgx {
  cluster.accelerator GH200
}
scenario gh200_blade extends gh200_hosts {
  cluster.server blade
}
"""


@pytest.mark.parametrize(
    ("name", "chip", "carried"), [("gh200_hosts", "GH200", 1), ("gb200_hosts", "GB200", 0.5)]
)
def test_a_superchip_keeps_its_figure_when_its_host_is_written_and_is_warned(name, chip, carried):
    from scendsl.report.warnings import scenario_warnings

    entry = load_catalog().accelerators[chip]
    figure = entry.figures["system_power"].value
    superchip = result(SUPERCHIPS, name)
    # Its CPU is in its own power (GH200's Grace in the 680 W module, GB200's in the rack's
    # figure): the written hosts do not set that figure aside for the parts, (tdp + host) × share.
    assert superchip.value("accelerator.module_host_cpus") == carried
    assert superchip.value("accelerator.system_power") == pytest.approx(figure)
    parts = (entry.figures["tdp"].value + superchip.value("cluster.host_power")) * (1 + SHARE)
    assert parts > 1.15 * figure  # what the CPU counted twice gave
    explained = explain_text(superchip, "accelerator.system_power")
    assert "not added" in explained and f"accelerators.{chip}.module_host_cpus" in explained
    warned = {w.id: w for w in scenario_warnings(superchip)}["host-power-in-module"]
    assert warned.span.line == superchip.scenario.origins["cluster.host_power"].line
    # One sentence says why, made by the model: the warning and the derivation read it.
    said = superchip["accelerator.host_power_in_module"].note
    assert said and f"{carried:g} host CPU" in said and chip in said
    assert said in warned.message and said in superchip["accelerator.system_power"].origin


def test_a_superchip_without_written_hosts_or_on_a_blade_is_as_before():
    from scendsl.report.warnings import scenario_warnings

    plain = result(SUPERCHIPS, "gh200_plain")
    assert plain.value("accelerator.host_power_in_module") is False
    assert "host-power-in-module" not in {w.id for w in scenario_warnings(plain)}
    gh200 = load_catalog().accelerators["GH200"].figures
    assert plain.value("accelerator.system_power") == pytest.approx(gh200["system_power"].value)
    # A blade's share is on the module's TDP, which holds its Grace: the written host is not
    # added there either, and the warning says so.
    blade = result(SUPERCHIPS, "gh200_blade")
    assert blade.value("accelerator.system_power") == pytest.approx(
        gh200["tdp"].value * (1 + BLADE)
    )
    assert "host-power-in-module" in {w.id for w in scenario_warnings(blade)}


def test_a_new_chip_that_carries_its_host_adds_none_to_the_server_fallback():
    text = """
accelerator apu {
  bf16_dense 1000 TFLOPS
  hbm 128 GB
  hbm_bandwidth 5 TB/s
  tdp 800 W
  module_host_cpus 1
}
scenario apu_hosts extends dgx {
  cluster.accelerator apu
  cluster.host_power 100 W
}
scenario gpu_hosts extends apu_hosts {
  cluster.accelerator apu_gpu
}
accelerator apu_gpu extends apu {
  module_host_cpus 0
}
"""
    # No system figure: the GPU-server share on the TDP alone, the CPU being inside it; the same
    # chip with its hosts beside it adds them.
    apu = result(text, "apu_hosts").value("accelerator.system_power")
    assert apu == pytest.approx(800 * (1 + SHARE))
    gpu = result(text, "gpu_hosts").value("accelerator.system_power")
    assert gpu == pytest.approx((800 + 100) * (1 + SHARE))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    low=st.floats(min_value=1.5, max_value=400.0),
    high=st.floats(min_value=1.5, max_value=400.0),
    tdp=st.floats(min_value=100.0, max_value=1500.0),
)
def test_more_host_power_never_gives_a_server_less_and_the_share_is_linear(low, high, tdp):
    low, high = sorted((low, high))
    text = f"""
accelerator gpu extends MI300X {{
  tdp {tdp:.3f} W
}}
scenario low extends dgx {{
  cluster.accelerator gpu
  cluster.host_power {low:.3f} W
}}
scenario high extends low {{
  cluster.host_power {high:.3f} W
}}
"""
    scenarios = scendsl.load(BASE + text)
    powers = [
        evaluate(scenarios.get(name)).value("accelerator.system_power") for name in ("low", "high")
    ]
    assert powers[0] <= powers[1] + 1e-9
    # each watt of host costs the same (1 + share) watts of server, whatever the GPU
    written = [round(low, 3), round(high, 3)]
    assert powers[1] - powers[0] == pytest.approx((written[1] - written[0]) * (1 + SHARE), abs=1e-6)


def test_immersed_servers_lose_their_fans_share_and_blades_have_none_to_lose():
    text = """
scenario immersed extends dgx {
  cluster.cooling immersion
}
scenario immersed_blade extends dgx {
  cluster.server blade
  cluster.cooling immersion
}
"""
    fans = CALIBRATION["server_fan_share"].value
    air = result(name="dgx").value("accelerator.system_power")
    immersed = result(text, "immersed")
    assert immersed.value("accelerator.system_power") == pytest.approx(air * (1 - fans))
    assert immersed.value("cluster.cooling") == "immersion"
    # A direct-liquid-cooled blade has no server fans: immersion takes nothing more off.
    blade = result(text, "immersed_blade").value("accelerator.system_power")
    assert blade == pytest.approx(400 * (1 + BLADE))
    explained = explain_text(immersed, "accelerator.system_power")
    assert "server_fan_share" in explained and "immersion" in explained


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limit=_LIMITS)
def test_removing_the_fans_never_adds_power(limit):
    text = f"""
scenario air extends dgx {{
  cluster.power_limit {limit:.3f} W
}}
scenario wet extends air {{
  cluster.cooling immersion
}}
"""
    scenarios = scendsl.load(BASE + text)
    air, wet = (
        evaluate(scenarios.get(name)).value("accelerator.system_power") for name in ("air", "wet")
    )
    assert wet <= air


# ---- the office circuit by the region's mains voltage
REGIONS = load_catalog().regions
INLET = CALIBRATION["workstation_inlet_current"].value
_WITH_MAINS = sorted(
    code for code, region in REGIONS.items() if region.mains_voltage is not None and len(code) == 2
)


def station_in(region: str, accelerator: str = "A100_80GB"):
    text = f"""
scenario abroad extends station {{
  region {region}
  cluster.accelerator {accelerator}
}}
"""
    return result(text, "abroad")


def test_a_230_volt_region_gives_a_workstation_the_inlet_rating_and_lifts_the_cap():
    german = station_in("DE", "H100")
    mains = REGIONS["DE"].mains_voltage.value
    # 230 V × 10 A = 2,300 W, more than the 1,440 W North American circuit: four H100 share it.
    assert mains * INLET > CIRCUIT
    assert german.value("accelerator.power_limit") == pytest.approx(
        mains * INLET / PER_BOX / (1 + BLADE)
    )
    american = station_in("US", "H100")
    assert american.value("accelerator.power_limit") == pytest.approx(
        CIRCUIT / PER_BOX / (1 + BLADE)
    )
    text = explain_text(german, "accelerator.power_limit")
    assert "mains_voltage" in text and "workstation_inlet_current" in text


def test_low_voltage_mains_and_unknown_regions_keep_the_north_american_circuit():
    # Japan's 100 V through a 10 A inlet is less than the 1,440 W circuit, which stands; a
    # country without a mains voltage in the catalog takes the same, the stricter figure.
    assert REGIONS["JP"].mains_voltage.value * INLET < CIRCUIT
    unknown = next(code for code in sorted(REGIONS) if REGIONS[code].mains_voltage is None)
    for code in ("JP", unknown):
        capped = station_in(code, "H100").value("accelerator.power_limit")
        assert capped == pytest.approx(CIRCUIT / PER_BOX / (1 + BLADE))


def test_a_subdivision_takes_its_countrys_mains():
    assert REGIONS["US-TX"].mains_voltage is REGIONS["US"].mains_voltage


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=st.lists(st.sampled_from(_WITH_MAINS), min_size=2, max_size=2))
def test_higher_mains_never_give_a_workstation_less_power(pair):
    low, high = sorted(pair, key=lambda code: REGIONS[code].mains_voltage.value)
    powers = [station_in(code, "H100").value("accelerator.system_power") for code in (low, high)]
    assert powers[0] <= powers[1] + 1e-9
    # and never more than the GPU's TDP with its host share
    assert powers[1] <= 700 * (1 + BLADE) + 1e-9
