namespace WmQuant.Planning.Optimizers;

/// <summary>Gradient planner settings (upstream GDPlanner: plain SGD on the action tensor plus a little noise).</summary>
/// <param name="Horizon">Model actions per plan.</param>
/// <param name="OptSteps">SGD steps.</param>
/// <param name="LearningRate">SGD step size (upstream 1).</param>
/// <param name="ActionNoise">Standard deviation of the noise added after each step (upstream 0.003), which keeps the plan from stalling on flat spots.</param>
/// <param name="InitialSigma">Standard deviation of the seeded starting actions around zero; 0 starts from zeros.</param>
public sealed record GradientSettings(
    int Horizon = 5,
    int OptSteps = 30,
    double LearningRate = 1.0,
    double ActionNoise = 0.003,
    double InitialSigma = 0.0)
{
    /// <summary>Throws when the settings cannot describe a run (a programming error, not user input).</summary>
    public void Validate()
    {
        if (Horizon < 1 || OptSteps < 1 || LearningRate <= 0 || ActionNoise < 0 || InitialSigma < 0)
        {
            throw new ArgumentException($"Invalid gradient planner settings: {this}.");
        }
    }
}
