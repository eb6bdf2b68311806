namespace WmQuant.Models;

/// <summary>The parts of the world model that quantization treats separately (bit widths, sensitivity).</summary>
public enum ModuleGroup
{
    /// <summary>The frozen DINOv2 encoder ("encoder.*").</summary>
    Encoder,

    /// <summary>The frame-causal predictor ("predictor.*").</summary>
    Predictor,

    /// <summary>The action encoder ("action_encoder.*").</summary>
    ActionEncoder,

    /// <summary>The proprio encoder ("proprio_encoder.*").</summary>
    ProprioEncoder,

    /// <summary>The visualisation decoder ("decoder.*").</summary>
    Decoder,
}

/// <summary>Maps state-dict names to their <see cref="ModuleGroup"/>.</summary>
public static class ModuleGroups
{
    /// <summary>The group a parameter or module name belongs to, or null for a name outside the model.</summary>
    public static ModuleGroup? Of(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var head = name.Split('.', 2)[0];
        return head switch
        {
            "encoder" => ModuleGroup.Encoder,
            "predictor" => ModuleGroup.Predictor,
            "action_encoder" => ModuleGroup.ActionEncoder,
            "proprio_encoder" => ModuleGroup.ProprioEncoder,
            "decoder" => ModuleGroup.Decoder,
            _ => null,
        };
    }

    /// <summary>The state-dict prefix of a group, as upstream names it.</summary>
    public static string Prefix(ModuleGroup group) => group switch
    {
        ModuleGroup.Encoder => "encoder",
        ModuleGroup.Predictor => "predictor",
        ModuleGroup.ActionEncoder => "action_encoder",
        ModuleGroup.ProprioEncoder => "proprio_encoder",
        ModuleGroup.Decoder => "decoder",
        _ => throw new ArgumentOutOfRangeException(nameof(group)),
    };
}
