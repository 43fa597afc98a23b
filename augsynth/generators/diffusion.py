"""A class-conditional DDPM (Ho et al. 2020) with a small diffusers UNet, sampled with deterministic DDIM (eta=0)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from diffusers import DDIMScheduler, DDPMScheduler, UNet2DModel
from pydantic import Field
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from augsynth.generators.base import GENERATORS, GeneratorConfig, ImageShape, batches
from augsynth.generators.layers import fit_size, resize
from augsynth.spec.schema import Float, Int


class DDPMConfig(GeneratorConfig):
    epochs: Int = Field(default=1500, ge=1)
    lr: Float = Field(default=1e-3, gt=0)
    width: Int = Field(default=16, ge=8, le=512, multiple_of=8)  # channels of the first UNet level; doubled next
    train_steps: Int = Field(default=1000, ge=2, le=10_000)  # diffusion steps of the noise schedule
    sample_steps: Int = Field(default=25, ge=1, le=1000)  # DDIM steps when sampling
    ema: Float = Field(default=0.995, ge=0.0, lt=1.0)  # decay of the weight average that is kept for sampling


class ConditionalDDPM(nn.Module):
    """A UNet predicting the noise, plus what sampling needs to know about the schedule."""

    def __init__(self, config: DDPMConfig, shape: ImageShape, n_classes: int):
        super().__init__()
        self.shape, self.work = shape, fit_size(shape, 2)
        self.schedule = {"num_train_timesteps": config.train_steps, "beta_schedule": "squaredcos_cap_v2"}
        self.sample_steps = config.sample_steps
        self.unet = UNet2DModel(
            sample_size=self.work,
            in_channels=shape.channels,
            out_channels=shape.channels,
            block_out_channels=(config.width, 2 * config.width),
            layers_per_block=1,
            norm_num_groups=8,
            down_block_types=("DownBlock2D", "DownBlock2D"),
            up_block_types=("UpBlock2D", "UpBlock2D"),
            attention_head_dim=8,
            num_class_embeds=n_classes,
        )

    def forward(self, x: torch.Tensor, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.unet(x, t, class_labels=y).sample


def build(config: DDPMConfig, shape: ImageShape, n_classes: int) -> nn.Module:
    return ConditionalDDPM(config, shape, n_classes)


def fit(
    model: ConditionalDDPM,
    x: torch.Tensor,
    y: torch.Tensor,
    config: DDPMConfig,
    rng: torch.Generator,
    device: torch.device,
    progress,
) -> None:
    """Minimise the epsilon-prediction error at uniformly drawn timesteps; keep the EMA of the weights."""
    scheduler = DDPMScheduler(**model.schedule)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(config.ema), use_buffers=True)
    x = resize(x, model.work)
    model.train()
    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
        for index in progress(batches(len(y), config.batch_size, config.epochs, rng)):
            xb, yb = x[index.to(device)], y[index.to(device)]
            t = torch.randint(0, config.train_steps, (len(yb),), generator=rng).to(device)
            noise = torch.randn(xb.shape, generator=rng).to(device)
            loss = F.mse_loss(model(scheduler.add_noise(xb, noise, t), t, yb).float(), noise)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            ema.update_parameters(model)
    model.load_state_dict(ema.module.state_dict())


def noise_shape(config: DDPMConfig, shape: ImageShape) -> tuple[int, ...]:
    return (shape.channels, *fit_size(shape, 2))


@torch.no_grad()
def decode(model: ConditionalDDPM, noise: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    model.eval()
    scheduler = DDIMScheduler(**model.schedule, timestep_spacing="trailing")
    scheduler.set_timesteps(model.sample_steps)
    x = noise
    for t in scheduler.timesteps:
        x = scheduler.step(model(x, t.expand(len(x)).to(x.device), labels), t, x, eta=0.0).prev_sample
    return resize(x, (model.shape.height, model.shape.width)).clamp(-1, 1)


@GENERATORS.register("ddpm")
class DDPM:
    """The class-conditional DDPM kind."""

    config = DDPMConfig
    build = staticmethod(build)
    fit = staticmethod(fit)
    noise_shape = staticmethod(noise_shape)
    decode = staticmethod(decode)
