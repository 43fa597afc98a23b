"""Procedural road scenes for steering regression, with exact labels for flipped, yawed and side-camera views.

Sign conventions (every angle and displacement is "+ = right"):

- Road frame: ``X`` lateral in metres (+ = right of the road direction at the car), ``Z`` forward along the road.
  The centreline is ``X = curvature * Z**2 / 2``, so ``curvature > 0`` bends right.
- The car sits at ``X = offset, Z = 0`` and points ``heading`` rad right of ``+Z``. A camera yawed by ``yaw``
  points ``heading + yaw``; a camera displaced by ``lateral`` metres sits that far along the car's right axis.
- Camera frame: ``x`` right, ``y`` down, ``z`` forward. A level pinhole CAMERA_HEIGHT_M above flat ground, horizon
  at a fixed row, principal column ``cx = (W - 1) / 2`` exactly, so column ``j`` mirrors column ``W - 1 - j``.
- Steering (pure pursuit): the centreline point LOOKAHEAD_M from the camera has bearing ``alpha`` (+ = right) in
  the camera frame; ``delta = atan(2 L sin(alpha) / l_d)`` and the label is ``clip(delta / MAX_STEER_RAD, -1, 1)``
  (+ = steer right). A camera yawed by ``psi`` sees ``alpha - psi``, so yawed and side views have exact labels.

Every texture, line and shadow is looked up in road coordinates (lateral distance to the centreline, distance
along it); a mirrored scene negates the geometry and the lateral lookup coordinate, so ``render(s.mirrored())``
equals ``render(s)[:, ::-1]`` bit for bit and ``steering(s.mirrored()) == -steering(s)``. Odd functions (sin,
atan) are evaluated on magnitudes with the sign copied back, so that holds whatever the maths library does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from augsynth.core.seeding import stream_rng

ROAD_STREAM = 0x40AD  # SeedSequence key of the road-scene stream
SIDE_CAMERA_OFFSET_M = 1.0
CAMERA_HEIGHT_M = 1.4
HORIZON_FRACTION = 0.38  # horizon row as a fraction of the image height
HFOV_RAD = math.radians(65.0)
LOOKAHEAD_M = 8.0
WHEELBASE_M = 2.7
MAX_STEER_RAD = math.radians(25.0)
_SS = 2  # supersampling per axis; keep 2: a two-term sum is order-free, which keeps mirroring exact

Colour = tuple[float, float, float]
Waves = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Scene:
    """One road scene: the car's pose on the road (the label) and its appearance (nuisance).

    ``is_mirrored`` marks the mirror image of a sampled scene (the method ``mirrored`` makes one); renders look up
    textures, lines and shadows at the negated lateral coordinate, so the mirror is exact.
    """

    curvature: float  # 1/m, + = road bends right
    offset: float  # m, + = car right of the lane centre
    heading: float  # rad, + = car points right of the road direction
    lane_width: float  # m per lane; the road has two
    shoulder: float  # m of asphalt beyond each edge line
    line_width: float  # m
    dash_length: float  # m
    dash_period: float  # m
    dash_phase: float  # m
    line_strength: float  # 0..1, worn to fresh paint
    asphalt: Colour
    edge_colour: Colour
    centre_colour: Colour
    verge: Colour
    verge_alt: Colour
    sky_top: Colour
    sky_horizon: Colour
    hills: Colour
    hill_height: float  # rad
    haze_m: float
    brightness: float
    texture_seed: int
    shadows: tuple[tuple[float, float, float, float, float], ...]  # (lateral, along, half lat, half along, dark)
    is_mirrored: bool = False

    def mirrored(self) -> Scene:
        """The left-right mirror image of this scene."""
        return replace(
            self,
            curvature=-self.curvature,
            offset=-self.offset,
            heading=-self.heading,
            is_mirrored=not self.is_mirrored,
        )


def _sin(x: float) -> float:
    """sin, exactly odd."""
    return math.copysign(math.sin(abs(x)), x)


def _atan(x: np.ndarray) -> np.ndarray:
    """arctan, exactly odd."""
    return np.copysign(np.arctan(np.abs(x)), x)


def focal_px(size_hw: tuple[int, int]) -> float:
    """Pinhole focal length in pixels for an image of this size."""
    return size_hw[1] / 2 / math.tan(HFOV_RAD / 2)


def shift_yaw(dx: float, size_hw: tuple[int, int]) -> float:
    """Camera yaw whose view approximates the image shifted right by dx pixels (a left yaw for dx > 0)."""
    return -math.atan(dx / focal_px(size_hw))


def _camera_pose(scene: Scene, yaw: float, lateral: float) -> tuple[float, float, float, float]:
    """Camera position (X, Z) in the road frame and the cosine and sine of its yaw."""
    theta = scene.heading + yaw
    px = scene.offset + lateral * math.cos(scene.heading)
    pz = -lateral * _sin(scene.heading)
    return px, pz, math.cos(theta), _sin(theta)


def _lookahead(curvature: float, px: float, pz: float) -> tuple[float, float]:
    """The centreline point LOOKAHEAD_M from (px, pz), ahead of it (bisection on Z)."""

    def inside(z: float) -> bool:
        return (0.5 * curvature * z * z - px) ** 2 + (z - pz) ** 2 < LOOKAHEAD_M**2

    lo, hi = pz, pz + LOOKAHEAD_M
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if inside(mid) else (lo, mid)
    return 0.5 * curvature * lo * lo, lo


def steering(scene: Scene, yaw: float = 0.0, lateral: float = 0.0) -> float:
    """Pure-pursuit steering target in [-1, 1] (+ = right) for the camera yawed by yaw and moved lateral m right."""
    px, pz, c, s = _camera_pose(scene, yaw, lateral)
    x, z = _lookahead(scene.curvature, px, pz)
    dx, dz = x - px, z - pz
    xc, zc = dx * c - dz * s, dx * s + dz * c
    alpha = math.atan2(abs(xc), zc)
    delta = math.atan(2 * WHEELBASE_M * math.sin(alpha) / LOOKAHEAD_M)
    return math.copysign(min(delta / MAX_STEER_RAD, 1.0), xc)


def shifted_view_label(scene: Scene, dx: float, size_hw: tuple[int, int]) -> float:
    """Label of the image shifted right by dx pixels, read as a yawed camera."""
    return steering(scene, yaw=shift_yaw(dx, size_hw))


def side_view_label(scene: Scene, side: str) -> float:
    """Label of the left or right side camera (SIDE_CAMERA_OFFSET_M from the centre camera)."""
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    return steering(scene, lateral=-SIDE_CAMERA_OFFSET_M if side == "left" else SIDE_CAMERA_OFFSET_M)


# ---- sampling -------------------------------------------------------------------------------------------------

_VERGES = (
    ((0.12, 0.28, 0.06), (0.35, 0.6, 0.25)),  # grass
    ((0.4, 0.36, 0.18), (0.7, 0.6, 0.35)),  # dry grass, sand
    ((0.25, 0.18, 0.1), (0.5, 0.38, 0.25)),  # dirt
    ((0.75, 0.78, 0.8), (0.95, 0.97, 1.0)),
)  # snow


def _colour(rng: np.random.Generator, low: Colour, high: Colour) -> Colour:
    """A colour drawn uniformly between two RGB corners."""
    return tuple(float(v) for v in rng.uniform(low, high))


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    """The colour a fraction t of the way from a to b."""
    return tuple(float(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _shadows(rng: np.random.Generator, road_half: float) -> tuple[tuple[float, float, float, float, float], ...]:
    """Tree blobs and pole bands on the ground, in road coordinates."""
    trees = [
        (
            rng.uniform(-road_half - 5, road_half + 5),
            rng.uniform(3, 45),
            rng.uniform(0.8, 3.5),
            rng.uniform(0.8, 4.0),
            rng.uniform(0.25, 0.6),
        )
        for _ in range(rng.integers(0, 5))
    ]
    poles = [
        (
            rng.uniform(-road_half, road_half),
            rng.uniform(4, 40),
            rng.uniform(3, 8),
            rng.uniform(0.12, 0.3),
            rng.uniform(0.25, 0.55),
        )
        for _ in range(rng.integers(0, 3))
    ]
    return tuple(tuple(float(v) for v in shadow) for shadow in trees + poles)


def _appearance(rng: np.random.Generator) -> dict[str, object]:
    """Every appearance field of a Scene, drawn widely."""
    lane = float(rng.uniform(3.0, 4.0))
    grey = rng.uniform(0.15, 0.55)
    asphalt = _colour(rng, (grey - 0.04,) * 3, (grey + 0.04,) * 3)
    if rng.random() < 0.15:  # unpaved or sandy surface
        asphalt = _colour(rng, (0.4, 0.32, 0.22), (0.62, 0.52, 0.4))
    verge = _colour(rng, *_VERGES[rng.choice(len(_VERGES), p=(0.5, 0.2, 0.2, 0.1))])
    white = _colour(rng, (0.8, 0.8, 0.75), (1.0, 1.0, 1.0))
    yellow = _colour(rng, (0.8, 0.65, 0.1), (1.0, 0.85, 0.35))
    overcast = rng.random() < 0.3
    blue = _mix((0.15, 0.3, 0.65), (0.5, 0.68, 0.95), float(rng.uniform()))
    sky_top = (
        _colour(rng, (0.5, 0.52, 0.55), (0.8, 0.82, 0.85))
        if overcast
        else _colour(rng, np.subtract(blue, 0.04), np.add(blue, 0.04))
    )
    period = float(rng.uniform(6.0, 12.0))
    return dict(
        lane_width=lane,
        shoulder=float(rng.uniform(0.0, 0.8)),
        line_width=float(rng.uniform(0.1, 0.2)),
        dash_length=float(period * rng.uniform(0.25, 0.55)),
        dash_period=period,
        dash_phase=float(rng.uniform(0, period)),
        line_strength=float(rng.uniform(0.35, 1.0)),
        asphalt=asphalt,
        edge_colour=white,
        centre_colour=yellow if rng.random() < 0.3 else white,
        verge=verge,
        verge_alt=tuple(float(v) for v in np.clip(np.multiply(verge, rng.uniform(0.6, 1.35, 3)), 0, 1)),
        sky_top=sky_top,
        sky_horizon=_mix(sky_top, (0.95, 0.95, 0.95), float(rng.uniform(0.3, 0.8))),
        hills=_mix(verge, (0.3, 0.35, 0.5), float(rng.uniform(0.2, 0.7))),
        hill_height=float(rng.uniform(0.0, 0.08)),
        haze_m=float(rng.uniform(40.0, 200.0)),
        brightness=float(rng.uniform(0.55, 1.25)),
        texture_seed=int(rng.integers(0, 2**31)),
        shadows=_shadows(rng, lane + 0.5),
    )


def sample_scene(seed: int, index: int) -> Scene:
    """Scene ``index`` of the road data set for ``seed``: a pure function of (seed, index)."""
    rng = stream_rng(seed, ROAD_STREAM, index)
    curvature = float(rng.uniform(-1 / 30, 1 / 30))
    offset = float(np.clip(rng.normal(0.0, 0.7), -1.8, 1.8))
    heading = float(np.clip(rng.normal(0.0, 0.1), -0.3, 0.3))
    return Scene(curvature=curvature, offset=offset, heading=heading, **_appearance(rng))


# ---- rendering ------------------------------------------------------------------------------------------------


def _waves(rng: np.random.Generator, count: int, shortest: float, longest: float) -> Waves:
    """Plane waves (kx, ky, phase, amplitude) whose sum has unit standard deviation."""
    length = np.exp(rng.uniform(math.log(shortest), math.log(longest), count))
    angle = rng.uniform(0, math.pi, count)
    amp = np.sqrt(length)
    amp *= math.sqrt(2) / np.linalg.norm(amp)
    k = 2 * math.pi / length
    return k * np.cos(angle), k * np.sin(angle), rng.uniform(0, 2 * math.pi, count), amp


def _noise(waves: Waves, lat: np.ndarray, along: np.ndarray, fp_lat: np.ndarray, fp_along: np.ndarray) -> np.ndarray:
    """Sum of plane waves box-filtered over the pixel footprint (waves finer than a pixel fade out)."""
    total = np.zeros_like(lat)
    fl2, fa2 = fp_lat * fp_lat / -24, fp_along * fp_along / -24
    for kx, ky, phase, amp in zip(*waves, strict=True):
        wave = np.cos(np.float32(kx) * lat + np.float32(ky) * along + np.float32(phase))
        wave *= np.exp(np.float32(kx * kx) * fl2 + np.float32(ky * ky) * fa2)
        total += np.float32(amp) * wave
    return total


def _overlap(x: np.ndarray, half: float, fp: np.ndarray) -> np.ndarray:
    """Fraction of a footprint of width fp centred at x that lies inside [-half, half]."""
    return np.clip((np.minimum(x + fp / 2, half) - np.maximum(x - fp / 2, -half)) / fp, 0.0, 1.0)


def _dashes(scene: Scene, along: np.ndarray, fp: np.ndarray) -> np.ndarray:
    """Coverage of the dash pattern along the road, fading to its duty cycle where dashes blur together."""
    period, half = scene.dash_period, scene.dash_length / 2
    x = np.mod(along + scene.dash_phase - half + period / 2, period) - period / 2
    blur = np.clip(fp / period, 0.0, 1.0)
    return _overlap(x, half, fp) * (1 - blur) + (scene.dash_length / period) * blur


def _shade(scene: Scene, lat: np.ndarray, along: np.ndarray, fp_lat: np.ndarray, fp_along: np.ndarray) -> np.ndarray:
    """Light factor under the scene's shadows (soft ellipses widened by the footprint, same total darkness)."""
    light = np.ones_like(lat)
    for l0, s0, a, b, dark in scene.shadows:
        a_eff, b_eff = np.hypot(a, fp_lat), np.hypot(b, fp_along)
        r2 = ((lat - l0) / a_eff) ** 2 + ((along - s0) / b_eff) ** 2
        light *= 1 - dark * (a * b / (a_eff * b_eff)) * np.clip((1 - r2) * 3, 0.0, 1.0)
    return light


def _blend(base: np.ndarray, colour: Colour | np.ndarray, weight: np.ndarray) -> None:
    """Blend base in place toward a colour (flat or per pixel) by a per-pixel weight."""
    base += (np.asarray(colour, dtype=np.float32) - base) * weight[..., None]


def _road_coords(
    scene: Scene,
    xc: np.ndarray,
    depth: np.ndarray,
    pose: tuple[float, float, float, float],
    fp: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, ...]:
    """Lateral distance to the centreline, distance along it, and the pixel footprint along both."""
    px, pz, c, s = pose
    x = px + xc * c + depth * s
    z = pz - xc * s + depth * c
    t = scene.curvature * z
    q = np.sqrt(1 + t * t)
    lat = (x - 0.5 * scene.curvature * z * z) / q
    along = z * (1 + t * t / 6)
    fl, fa = fp
    fp_lat = (np.abs(c + t * s) * fl + np.abs(s - t * c) * fa) / q
    fp_along = (np.abs(t * c - s) * fl + np.abs(t * s + c) * fa) / q
    coords = (-lat if scene.is_mirrored else lat), along, fp_lat, fp_along
    return tuple(coord.astype(np.float32) for coord in coords)


def _ground(
    scene: Scene, lat: np.ndarray, along: np.ndarray, fp_lat: np.ndarray, fp_along: np.ndarray, depth: np.ndarray
) -> np.ndarray:
    """Ground colour: verge, asphalt, painted lines, shadows and haze."""
    rng = np.random.default_rng(scene.texture_seed)
    road_tex = _noise(_waves(rng, 4, 0.4, 8.0), lat, along, fp_lat, fp_along)
    verge_tex = _noise(_waves(rng, 5, 0.5, 30.0), lat, along, fp_lat, fp_along)
    colour = np.empty(lat.shape + (3,), dtype=np.float32)
    colour[:] = scene.verge
    _blend(colour, scene.verge_alt, np.clip(0.5 + 0.4 * verge_tex, 0, 1))
    dist = np.abs(lat)
    asphalt = np.asarray(scene.asphalt, dtype=np.float32) * (1 + 0.12 * road_tex)[..., None]
    _blend(colour, asphalt, _overlap(dist, scene.lane_width + scene.shoulder, fp_lat))
    half_line = scene.line_width / 2
    edge = _overlap(dist - scene.lane_width, half_line, fp_lat)
    centre = _overlap(lat, half_line, fp_lat) * _dashes(scene, along, fp_along)
    _blend(colour, scene.edge_colour, scene.line_strength * edge)
    _blend(colour, scene.centre_colour, scene.line_strength * centre)
    colour *= _shade(scene, lat, along, fp_lat, fp_along)[..., None]
    haze = np.broadcast_to((0.8 - 0.8 * np.exp(-depth / scene.haze_m)).astype(np.float32), lat.shape)
    _blend(colour, scene.sky_horizon, haze)
    return colour


def _sky(scene: Scene, u: np.ndarray, v: np.ndarray, f: float, theta: float) -> np.ndarray:
    """Sky gradient with a far hill silhouette fixed in world azimuth (v < 0: rows above the horizon)."""
    t = np.clip(-v / f / 0.25, 0, 1)[:, None]
    colour = np.empty((v.size, u.size, 3), dtype=np.float32)
    colour[:] = np.asarray(scene.sky_horizon, dtype=np.float32)
    _blend(colour, scene.sky_top, np.broadcast_to(t, colour.shape[:2]))
    azimuth = theta + _atan(u / f)
    if scene.is_mirrored:
        azimuth = -azimuth
    rng = np.random.default_rng(scene.texture_seed + 1)
    ridge = np.ones_like(azimuth)
    for freq, phase in zip(rng.uniform(2, 14, 4), rng.uniform(0, 2 * math.pi, 4), strict=True):
        ridge += 0.3 * np.cos(freq * azimuth + phase)
    top = np.tan(scene.hill_height * np.clip(ridge, 0, None)) * np.hypot(u, f)  # ridge height in rows
    hill = np.clip((top[None, :] + v[:, None]) * _SS + 0.5, 0, 1)
    _blend(colour, _mix(scene.hills, scene.sky_horizon, 0.45), hill)
    return colour


def _grid(size_hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Sub-sample columns u (symmetric about 0) and rows v (0 at the horizon), in output pixels."""
    height, width = size_hw
    n = width * _SS
    u = (np.arange(n) - (n - 1) / 2) / _SS
    v = (np.arange(height * _SS) + 0.5) / _SS - 0.5 - (math.floor(HORIZON_FRACTION * height) + 0.5)
    return u, v


def render(scene: Scene, size_hw: tuple[int, int] = (48, 128), yaw: float = 0.0, lateral: float = 0.0) -> np.ndarray:
    """uint8 HxWx3 front-camera view, the camera yawed by yaw rad and displaced lateral m (both + = right)."""
    height, width = size_hw
    f = focal_px(size_hw)
    u, v = _grid(size_hw)
    pose = _camera_pose(scene, yaw, lateral)
    ground_v = v[v > 0][:, None]
    depth = CAMERA_HEIGHT_M * f / ground_v
    fp = (depth / (f * _SS), depth * depth / (CAMERA_HEIGHT_M * f * _SS))
    coords = _road_coords(scene, u[None, :] * (CAMERA_HEIGHT_M / ground_v), depth, pose, fp)
    image = np.concatenate([_sky(scene, u, v[v < 0], f, scene.heading + yaw), _ground(scene, *coords, depth)])
    blocks = image.reshape(height, _SS, width, _SS, 3)
    rows = blocks[:, :, :, 0] + blocks[:, :, :, 1]  # the pair's order flips under mirroring; its sum does not
    pixels = (rows[:, 0] + rows[:, 1]) * np.float32(scene.brightness * 255 / _SS**2)
    return np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
