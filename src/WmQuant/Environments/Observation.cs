using WmQuant.Environments.Rendering;

namespace WmQuant.Environments;

/// <summary>What the world model sees at one time step: a frame and the agent's proprioception.</summary>
/// <param name="Frame">RGB frame at the model's image size.</param>
/// <param name="Proprio">Proprioceptive vector (agent position, and velocity where the task has one).</param>
public sealed record Observation(RgbFrame Frame, double[] Proprio);
